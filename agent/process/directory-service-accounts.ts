// macOS accounts live in the directory service (opendirectoryd), not in /etc/passwd, which holds only the system
// accounts of single-user mode. `dscacheutil -q user` lists every user the search path resolves (local and
// network-bound) with uid, home (NFSHomeDirectory) and shell in one call; `dscl . -list /Users <attribute>` (local
// node only) is the fallback. Both run with argv, no shell. Local accounts are plists under the dslocal users
// directory, whose mtime marks a change.
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import type { Account, AccountSource } from './account-source.ts';

const DSLOCAL_USERS = '/var/db/dslocal/nodes/Default/users';

/**
 * `dscacheutil -q user` output: blocks of `key: value` lines (name, password, uid, gid, dir, shell, gecos) separated by
 * blank lines. Blocks without a name or a numeric uid are skipped.
 */
export function parseDscacheutilUsers(text: string): Account[] {
  const out: Account[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const line of block.split('\n')) {
      const m = /^([a-z_]+): ?(.*)$/.exec(line.trimEnd());
      if (m && !fields.has(m[1]!)) fields.set(m[1]!, m[2]!);
    }
    const name = fields.get('name');
    const uid = Number(fields.get('uid'));
    if (!name || !/^-?\d+$/.test(fields.get('uid') ?? '') || uid < 0) continue;
    out.push({ uid, name, home: fields.get('dir') ?? '', shell: fields.get('shell') ?? '' });
  }
  return out;
}

/** `dscl . -list /Users <attribute>` output: the record name, spaces, the value (which may itself hold spaces). */
export function parseDsclList(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^(\S+)\s+(.*\S)\s*$/.exec(line);
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

/** Joins the three `dscl` listings (UniqueID, NFSHomeDirectory, UserShell) into accounts keyed by record name. */
export function accountsFromDscl(uniqueIds: string, homes: string, shells: string): Account[] {
  const home = parseDsclList(homes);
  const shell = parseDsclList(shells);
  const out: Account[] = [];
  for (const [name, id] of parseDsclList(uniqueIds)) {
    if (!/^-?\d+$/.test(id) || Number(id) < 0) continue;
    out.push({ uid: Number(id), name, home: home.get(name) ?? '', shell: shell.get(name) ?? '' });
  }
  return out;
}

type Run = (file: string, args: string[]) => string;

const runBounded: Run = (file, args) => execFileSync(file, args, { encoding: 'utf8', timeout: 10_000, maxBuffer: 32 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });

export class DirectoryServiceAccounts implements AccountSource {
  constructor(private readonly run: Run = runBounded) {}

  list(): Account[] {
    try {
      const accounts = parseDscacheutilUsers(this.run('/usr/bin/dscacheutil', ['-q', 'user']));
      if (accounts.length > 0) return accounts;
    } catch {
      // fall through to dscl
    }
    try {
      const list = (attribute: string) => this.run('/usr/bin/dscl', ['.', '-list', '/Users', attribute]);
      return accountsFromDscl(list('UniqueID'), list('NFSHomeDirectory'), list('UserShell'));
    } catch {
      return [];
    }
  }

  find(uid: number): Account | undefined {
    try {
      return parseDscacheutilUsers(this.run('/usr/bin/dscacheutil', ['-q', 'user', '-a', 'uid', String(uid)])).find((a) => a.uid === uid);
    } catch {
      return undefined;
    }
  }

  changeStamp(): string | undefined {
    try {
      return String(statSync(DSLOCAL_USERS).mtimeMs);
    } catch {
      return undefined; // not root (the directory is root-only) or not macOS
    }
  }
}
