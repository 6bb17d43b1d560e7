// Where the device token lives: the OS credential store (macOS Keychain, Windows Credential Manager, the
// Secret Service on Linux) through @napi-rs/keyring, or — for a root service with no Secret Service, the usual
// case on a Linux workstation's system bus — a file only its owner can read (0600). Status says which.
import { AsyncEntry } from '@napi-rs/keyring';
import { chmodSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../policy/atomic-file.ts';

export interface DeviceCredentials {
  serverUrl: string;
  deviceId: string;
  token: string;
}

export type TokenStorage = 'keychain' | 'file';

export interface TokenStoreOptions {
  stateDir: string;
  /** The credential's service name; tests use their own so they never touch a real agent's entry. */
  service?: string;
  /** false: never try the OS credential store (the file is used). */
  keychain?: boolean;
}

const ACCOUNT = 'device-token';
export const TOKEN_FILE = 'device-token.json';

export class TokenStore {
  private constructor(
    private kind: TokenStorage,
    private entry: AsyncEntry | undefined,
    private readonly file: string,
    private reason: string | undefined,
  ) {}

  get storage(): TokenStorage {
    return this.kind;
  }

  /** Why the keychain is not used, when it is not. */
  get fallbackReason(): string | undefined {
    return this.reason;
  }

  static async open(o: TokenStoreOptions): Promise<TokenStore> {
    const file = join(o.stateDir, TOKEN_FILE);
    if (o.keychain === false) return new TokenStore('file', undefined, file, 'the OS credential store is turned off');
    let entry: AsyncEntry;
    try {
      // On Linux only the Secret Service: the kernel keyring (keyring-rs's fallback) is emptied at reboot.
      entry = new AsyncEntry(o.service ?? 'dev.cordon.agent', ACCOUNT, { linux: { store: 'secret-service' } });
      await entry.getPassword();
    } catch (err) {
      return new TokenStore('file', undefined, file, `no OS credential store (${firstLine(err)})`);
    }
    const store = new TokenStore('keychain', entry, file, undefined);
    await store.adoptFile();
    return store;
  }

  async load(): Promise<DeviceCredentials | undefined> {
    const text = this.entry ? await this.entry.getPassword() : readIfExists(this.file);
    if (!text) return undefined;
    try {
      const value = JSON.parse(text) as DeviceCredentials;
      if (typeof value.serverUrl === 'string' && typeof value.deviceId === 'string' && typeof value.token === 'string') return value;
    } catch {
      // unreadable: treated as no token, so the agent enrols again
    }
    return undefined;
  }

  async save(credentials: DeviceCredentials): Promise<void> {
    const text = JSON.stringify(credentials);
    if (this.entry) {
      try {
        await this.entry.setPassword(text);
        return;
      } catch (err) {
        // A locked or broken keychain must not stop enrolment: use the file, and say so in status.
        this.entry = undefined;
        this.kind = 'file';
        this.reason = `the OS credential store refused the token (${firstLine(err)})`;
      }
    }
    writeFileAtomic(this.file, text, 0o600);
  }

  async clear(): Promise<void> {
    if (this.entry) await this.entry.deleteCredential();
    else removeIfExists(this.file);
  }

  /** A token left in the file (the keychain was unavailable before) moves into the keychain. */
  private async adoptFile(): Promise<void> {
    const text = readIfExists(this.file);
    if (!text) return;
    if (!(await this.entry!.getPassword())) await this.entry!.setPassword(text);
    removeIfExists(this.file);
  }
}

function readIfExists(file: string): string | undefined {
  try {
    // Someone loosened the mode: tighten it before trusting the content.
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function removeIfExists(file: string): void {
  try {
    unlinkSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

function firstLine(err: unknown): string {
  return ((err as Error).message ?? String(err)).split('\n')[0]!.slice(0, 200);
}
