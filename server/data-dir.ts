// The server's data directory: the embedded database, the signing keys, the enrolment secret, the first admin token.
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { syncDirectory } from '../policy/index.ts';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CORDON_SERVER_DATA) return env.CORDON_SERVER_DATA;
  if (process.platform !== 'win32' && process.getuid?.() === 0) return '/var/lib/cordon-server';
  return join(env.XDG_DATA_HOME ?? join(env.HOME ?? homedir(), '.local', 'share'), 'cordon-server');
}

export const DATA_FILES = {
  signingKey: 'signing-key.pem',
  signingPublicKey: 'signing-key.pub',
  nextSigningKey: 'signing-key.next.pem',
  previousSigningKey: 'signing-key.previous.pem',
  enrolSecret: 'enrol-secret',
  adminToken: 'admin-token',
} as const;

export function ensureDataDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/**
 * Returns the file's content, creating it with make() first if it does not exist. Creation is exclusive (written to
 * a temp file, then hard-linked into place), so two instances starting on one data directory agree on one value.
 */
export function readOrCreate(path: string, make: () => string, mode = 0o600): { value: string; created: boolean } {
  try {
    return { value: readFileSync(path, 'utf8'), created: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  const value = make();
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', mode);
  try {
    writeSync(fd, value);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return { value: readFileSync(path, 'utf8'), created: false };
  } finally {
    unlinkSync(tmp);
  }
  syncDirectory(join(path, '..'));
  return { value, created: true };
}

/** A fresh secret: 32 random bytes, base64url. Used for device tokens, admin tokens and the enrolment secret. */
export function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}
