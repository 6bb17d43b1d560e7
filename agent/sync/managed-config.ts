// The IT-managed agent configuration: which server, how to enrol, which keys a policy must be signed with, and
// the few settings IT may force. Read at start from a per-OS location only an administrator can write; nothing
// a user sets (flags, environment, files in their home) overrides it. CORDON_CONFIG points elsewhere (tests,
// staging rigs) and is held to the same ownership rules.
import { readFileSync, statSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import Type, { type Static } from 'typebox';
import { keyIdOf, loadPublicKey, SchemaValidator, ValidationError, type Mode, type Problem } from '../../policy/index.ts';
import { problem } from '../../policy/problems.ts';
import { managedConfigPath } from './managed-config-path.ts';
import { currentScope } from '../agent-paths.ts';
import { windowsAdminOnlyProblem } from '../windows/windows-acl.ts';

export { managedConfigPath };

export const ManagedConfigSchema = Type.Object(
  {
    serverUrl: Type.String({ minLength: 1, description: 'the Cordon server, e.g. https://cordon.example.com' }),
    enrolSecret: Type.Optional(Type.String({ minLength: 16, description: 'the shared enrolment secret (16+ characters)' })),
    enrolSecretFile: Type.Optional(Type.String({ minLength: 1, description: 'a root-only file holding the enrolment secret' })),
    pinnedKeys: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, description: "the server's Ed25519 public key(s), PEM" }),
    groups: Type.Optional(Type.Array(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$', description: 'a group name (letters, digits, . _ -)' }))),
    tags: Type.Optional(Type.Array(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._:=-]{0,127}$', description: 'a tag (letters, digits, . _ : = -)' }))),
    overrides: Type.Optional(
      Type.Object(
        {
          mode: Type.Optional(Type.Union([Type.Literal('enforce'), Type.Literal('monitor')])),
          syncIntervalSeconds: Type.Optional(Type.Integer({ minimum: 30, maximum: 86_400 })),
          uploadIntervalSeconds: Type.Optional(Type.Integer({ minimum: 5, maximum: 86_400 })),
          journalMaxEvents: Type.Optional(Type.Integer({ minimum: 100, maximum: 10_000_000 })),
          journalMaxBytes: Type.Optional(Type.Integer({ minimum: 64 * 1024, maximum: 1024 * 1024 * 1024, description: 'bytes of pending events kept for the server' })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
type ManagedConfigDocument = Static<typeof ManagedConfigSchema>;

export interface ManagedConfig {
  /** The file it was read from. */
  source: string;
  serverUrl: string;
  enrolSecret: string;
  pinnedKeys: KeyObject[];
  pinnedKeyIds: string[];
  groups: string[];
  tags: string[];
  overrides: { mode?: Mode; syncIntervalSeconds?: number; uploadIntervalSeconds?: number; journalMaxEvents?: number; journalMaxBytes?: number };
}

const validator = new SchemaValidator(ManagedConfigSchema);


/**
 * Reads and validates the managed config. undefined when there is none (the agent then runs unconnected on its
 * local policy); ValidationError listing every problem, each with line and field, when it is wrong.
 */
export function loadManagedConfig(file = managedConfigPath()): ManagedConfig | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ValidationError(file, [{ path: '', message: `cannot read: ${(err as Error).message}` }]);
  }
  // The packages ship this file holding only comments (a template the package manager never overwrites):
  // nothing configured yet, not a broken config.
  if (text.split('\n').every((line) => /^\s*(#.*)?$/.test(line))) return undefined;
  const ownership = adminOnlyProblem(file, 0o022);
  if (ownership) throw new ValidationError(file, [{ path: '', message: ownership }]);
  let secret = '';
  const keys: KeyObject[] = [];
  const doc: ManagedConfigDocument = validator.parse(text, file, (d) => {
    const problems: Problem[] = [];
    const url = serverUrlProblem(d.serverUrl);
    if (url) problems.push(problem(['serverUrl'], url));
    if (d.enrolSecret !== undefined && d.enrolSecretFile !== undefined) problems.push(problem(['enrolSecretFile'], 'give enrolSecret or enrolSecretFile, not both'));
    else if (d.enrolSecret !== undefined) secret = d.enrolSecret;
    else if (d.enrolSecretFile !== undefined) {
      const read = readSecretFile(d.enrolSecretFile);
      if ('problem' in read) problems.push(problem(['enrolSecretFile'], read.problem));
      else secret = read.secret;
    } else problems.push(problem(['enrolSecret'], 'is required (or enrolSecretFile)'));
    d.pinnedKeys.forEach((pem, i) => {
      try {
        keys.push(loadPublicKey(pem, 'key'));
      } catch (err) {
        problems.push(problem(['pinnedKeys', i], (err as Error).message.replace(/^key: /, '')));
      }
    });
    return problems;
  });
  return {
    source: file,
    serverUrl: doc.serverUrl.replace(/\/+$/, ''),
    enrolSecret: secret,
    pinnedKeys: keys,
    pinnedKeyIds: keys.map((k) => keyIdOf(k)),
    groups: doc.groups ?? [],
    tags: doc.tags ?? [],
    overrides: { ...doc.overrides },
  };
}

function serverUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `"${value}" is not a URL; write it like https://cordon.example.com`;
  }
  if (url.protocol === 'https:') return undefined;
  // The token travels in every request: plain HTTP only where it cannot leave the machine.
  if (url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) return undefined;
  if (url.protocol === 'http:') return 'must use https:// (plain http is allowed only for 127.0.0.1, localhost and [::1])';
  return `must be an https:// URL, not ${url.protocol}`;
}

function readSecretFile(file: string): { secret: string } | { problem: string } {
  const loose = adminOnlyProblem(file, 0o077);
  if (loose) return { problem: loose };
  try {
    const secret = readFileSync(file, 'utf8').trim();
    return secret.length >= 16 ? { secret } : { problem: `${file} must hold a secret of 16 or more characters` };
  } catch (err) {
    return { problem: `cannot read ${file}: ${(err as Error).message}` };
  }
}

/**
 * A root or SYSTEM agent must not take orders from a file a user could write (or, for a secret, read): owner and
 * mode on POSIX; on Windows the file's and its folder's DACL (the installer sets them; windows-acl.ts).
 */
function adminOnlyProblem(file: string, forbiddenBits: number): string | undefined {
  if (process.platform === 'win32') return currentScope() === 'machine' ? windowsAdminOnlyProblem(file, forbiddenBits === 0o077 ? 'read' : 'write') : undefined;
  if (process.getuid?.() !== 0) return undefined;
  let st;
  try {
    st = statSync(file);
  } catch {
    return undefined; // the read reports it
  }
  if (st.uid !== 0) return `${file} must be owned by root (it is owned by uid ${st.uid})`;
  if (st.mode & forbiddenBits) return `${file} is ${forbiddenBits === 0o077 ? 'readable' : 'writable'} by other users (mode ${(st.mode & 0o777).toString(8)}); chmod ${forbiddenBits === 0o077 ? '600' : '644'} it`;
  return undefined;
}
