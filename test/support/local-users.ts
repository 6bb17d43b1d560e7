// Throwaway local accounts for tests that must act as two different employees on one machine (root only):
// created with useradd, removed with userdel afterwards, and a way to run a command as one of them.
import { execFileSync, spawn, type SpawnOptions } from 'node:child_process';

export interface LocalUser {
  name: string;
  uid: number;
  gid: number;
}

export function canCreateUsers(): string | false {
  if (process.getuid?.() !== 0) return 'needs root: it creates local users (useradd) and runs a tool as each of them';
  try {
    execFileSync('useradd', ['--help'], { stdio: 'ignore' });
  } catch {
    return 'needs useradd (Debian package passwd)';
  }
  return false;
}

/** Why real users cannot be made here, or undefined when they can. */
export function localUsersUnavailable(): string | undefined {
  return canCreateUsers() || undefined;
}

/** A new account without a home or login shell; `tag` keeps names short (Linux allows 32 characters). */
export function createLocalUser(tag: string): LocalUser {
  const name = `cdn${tag}${process.pid % 100_000}`.slice(0, 32);
  try {
    execFileSync('userdel', [name], { stdio: 'ignore' }); // left by a crashed run
  } catch {
    // none
  }
  execFileSync('useradd', ['--no-create-home', '--shell', '/usr/sbin/nologin', '--user-group', name], { stdio: 'pipe' });
  const id = (flag: string) => Number(execFileSync('id', [flag, name], { encoding: 'utf8' }).trim());
  return { name, uid: id('-u'), gid: id('-g') };
}

export function removeLocalUser(user: LocalUser | undefined): void {
  if (!user) return;
  try {
    execFileSync('userdel', [user.name], { stdio: 'pipe' });
  } catch {
    // already gone
  }
}

/** Runs a command as `user` (uid, gid, no supplementary groups) and collects its output; never blocks this process. */
export function runAs(user: LocalUser | undefined, file: string, args: string[], options: SpawnOptions = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { ...options, ...(user ? { uid: user.uid, gid: user.gid } : {}), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}
