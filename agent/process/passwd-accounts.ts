// Linux (and other Unix) accounts in passwd(5) format: `getent passwd` asks the name service (files, and LDAP/SSSD
// where they enumerate), the file itself is read when getent is missing or fails. Its mtime marks local changes.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import type { Account, AccountSource } from './account-source.ts';

/** Lines `name:password:uid:gid:gecos:home:shell`; comments, short lines and non-numeric uids are skipped. */
export function parsePasswd(text: string): Account[] {
  const out: Account[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const f = line.split(':');
    if (f.length < 7) continue;
    const uid = Number(f[2]);
    if (f[2] === '' || !Number.isInteger(uid) || uid < 0) continue;
    out.push({ uid, name: f[0]!, home: f[5]!, shell: f[6]! });
  }
  return out;
}

export class PasswdAccounts implements AccountSource {
  /**
   * `passwdPath` alone (tests, a chroot) reads that file and never asks getent; the default asks getent first.
   */
  constructor(
    private readonly passwdPath = '/etc/passwd',
    private readonly useGetent = passwdPath === '/etc/passwd',
  ) {}

  list(): Account[] {
    if (this.useGetent) {
      try {
        // argv, no shell; bounded in time and size so a hung directory server cannot hold the agent for long.
        return parsePasswd(execFileSync('getent', ['passwd'], { encoding: 'utf8', timeout: 5000, maxBuffer: 32 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] }));
      } catch {
        // no getent (a minimal image) or it failed: the file is still the local truth
      }
    }
    try {
      return parsePasswd(readFileSync(this.passwdPath, 'utf8'));
    } catch {
      return [];
    }
  }

  find(uid: number): Account | undefined {
    if (!this.useGetent) return undefined;
    try {
      return parsePasswd(execFileSync('getent', ['passwd', String(uid)], { encoding: 'utf8', timeout: 5000, maxBuffer: 64 * 1024, stdio: ['ignore', 'pipe', 'ignore'] })).find((a) => a.uid === uid);
    } catch {
      return undefined; // exit 2: no such uid
    }
  }

  changeStamp(): string | undefined {
    try {
      return String(statSync(this.passwdPath).mtimeMs);
    } catch {
      return undefined;
    }
  }
}
