// Whose installs the inventory looks at: every account with a real home directory when the agent runs as root
// (a machine agent answers for the whole workstation), only the agent's own user otherwise.
import { statSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { UserDirectory } from '../process/user-directory.ts';

export interface UserHome {
  user: string;
  uid?: number;
  home: string;
  /** Login shell; a nologin/false shell marks a service account. */
  shell?: string;
}

// Placeholder homes of system accounts; never a place a person installs a CLI.
const NOT_A_HOME = new Set(['/', '/nonexistent', '/dev/null', '/bin', '/sbin', '/usr/sbin', '/usr/bin', '/proc', '/run']);

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export function userHomes(options: { passwdPath?: string; asRoot?: boolean } = {}): UserHome[] {
  const asRoot = options.asRoot ?? process.getuid?.() === 0;
  if (!asRoot || process.platform === 'win32') {
    const me = userInfo();
    return [{ user: me.username, uid: me.uid >= 0 ? me.uid : undefined, home: process.env.HOME ?? homedir() }];
  }
  const seen = new Set<string>();
  const out: UserHome[] = [];
  for (const a of new UserDirectory(options.passwdPath).accounts()) {
    const home = a.home.replace(/\/+$/, '') || '/';
    if (NOT_A_HOME.has(home) || seen.has(home) || !isDirectory(home)) continue;
    seen.add(home);
    out.push({ user: a.name, uid: a.uid, home, shell: a.shell });
  }
  return out;
}
