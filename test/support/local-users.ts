// Real local accounts for tests about what one user can do to another through the agent: created with useradd
// (no home, no login shell), removed with userdel afterwards. Needs root and the `passwd` package's tools.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface LocalUser {
  name: string;
  uid: number;
  gid: number;
}

/** Why real users cannot be made here, or undefined when they can. */
export function localUsersUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root to create users';
  if (!['/usr/sbin/useradd', '/sbin/useradd'].some((p) => existsSync(p))) return 'needs useradd (Debian package passwd)';
  return undefined;
}

/** Creates a throwaway account; remove it with removeLocalUser. */
export function createLocalUser(tag: string): LocalUser {
  const name = `cdn${tag}${process.pid % 100000}`.slice(0, 30);
  spawnSync('userdel', [name], { stdio: 'ignore' });
  execFileSync('useradd', ['--no-create-home', '--shell', '/usr/sbin/nologin', '--user-group', name], { stdio: ['ignore', 'ignore', 'pipe'] });
  const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
  return { name, uid, gid };
}

export function removeLocalUser(user: LocalUser | undefined): void {
  if (user) spawnSync('userdel', [user.name], { stdio: 'ignore' });
}
