// The server's Ed25519 policy-signing keys, in the data directory (0600). Generated on first start.
// Rotation: `cordon server rotate-key` makes a *next* key whose public half agents can pin alongside the current one;
// run it again once agents carry both, and the next key becomes current (the old one is kept as previous).
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { generateSigningKey, keyIdOf, loadPrivateKey, writeFileAtomic } from '../policy/index.ts';
import { DATA_FILES, readOrCreate } from './data-dir.ts';

export interface SigningKeys {
  current: KeyObject;
  currentKeyId: string;
  /** Public keys agents should pin: current first, then the next one if a rotation is under way. */
  publicKeysPem: string[];
}

function publicPem(privatePem: string, source: string): string {
  return createPublicKey(loadPrivateKey(privatePem, source)).export({ type: 'spki', format: 'pem' }).toString();
}

export function loadSigningKeys(dataDir: string, keyFile?: string): SigningKeys {
  const currentPath = keyFile ?? join(dataDir, DATA_FILES.signingKey);
  const { value: pem } = keyFile
    ? { value: readFileSync(keyFile, 'utf8') }
    : readOrCreate(currentPath, () => generateSigningKey().privateKeyPem);
  const current = loadPrivateKey(pem, currentPath);
  const publicKeysPem = [publicPem(pem, currentPath)];
  const nextPath = join(keyFile ? join(keyFile, '..') : dataDir, DATA_FILES.nextSigningKey);
  if (existsSync(nextPath)) publicKeysPem.push(publicPem(readFileSync(nextPath, 'utf8'), nextPath));
  if (!keyFile) writeFileAtomic(join(dataDir, DATA_FILES.signingPublicKey), publicKeysPem.join(''), 0o644);
  return { current, currentKeyId: keyIdOf(current), publicKeysPem };
}

/** One rotation step; returns what happened, for the operator. */
export function rotateSigningKey(dataDir: string): string {
  const currentPath = join(dataDir, DATA_FILES.signingKey);
  const nextPath = join(dataDir, DATA_FILES.nextSigningKey);
  if (!existsSync(currentPath)) throw new Error(`${currentPath} does not exist: start the server once first`);
  if (!existsSync(nextPath)) {
    const pair = generateSigningKey();
    writeFileAtomic(nextPath, pair.privateKeyPem, 0o600);
    return `made next key ${pair.keyId}; pin it in agents (cordon server public-key prints both), then run rotate-key again to switch`;
  }
  renameSync(currentPath, join(dataDir, DATA_FILES.previousSigningKey));
  renameSync(nextPath, currentPath);
  const id = keyIdOf(loadPrivateKey(readFileSync(currentPath, 'utf8'), currentPath));
  return `key ${id} now signs; restart the server instances to use it`;
}
