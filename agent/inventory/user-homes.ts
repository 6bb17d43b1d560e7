// Whose installs the inventory looks at: every account with a real home directory when the agent runs as root
// (a machine agent answers for the whole workstation), only the agent's own user otherwise. On macOS, homes also
// come from /Users itself: a directory there owned by a person whose account the directory service did not list
// (a network account not cached now) is still someone's home.
import { lstatSync, readdirSync, statSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { UserDirectory } from '../process/user-directory.ts';

export interface UserHome {
  user: string;
  uid?: number;
  home: string;
  /** Login shell; a nologin/false shell marks a service account. */
  shell?: string;
}

// Placeholder homes of system accounts; never a place a person installs a CLI.
const NOT_A_HOME = new Set(['/', '/nonexistent', '/dev/null', '/bin', '/sbin', '/usr/sbin', '/usr/bin', '/proc', '/run', '/var/empty']);

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export interface UserHomesOptions {
  /** Read accounts from this passwd(5) file alone (tests). */
  passwdPath?: string;
  directory?: UserDirectory;
  asRoot?: boolean;
  platform?: NodeJS.Platform;
  /** Where macOS keeps homes (tests point it elsewhere). */
  usersRoot?: string;
}

export function userHomes(options: UserHomesOptions = {}): UserHome[] {
  const asRoot = options.asRoot ?? process.getuid?.() === 0;
  const platform = options.platform ?? process.platform;
  if (!asRoot || platform === 'win32') {
    const me = userInfo();
    return [{ user: me.username, uid: me.uid >= 0 ? me.uid : undefined, home: process.env.HOME ?? homedir() }];
  }
  const directory = options.directory ?? new UserDirectory(options.passwdPath);
  const seen = new Set<string>();
  const out: UserHome[] = [];
  for (const a of directory.accounts()) {
    const home = a.home.replace(/\/+$/, '') || '/';
    if (NOT_A_HOME.has(home) || seen.has(home) || !isDirectory(home)) continue;
    seen.add(home);
    out.push({ user: a.name, uid: a.uid, home, shell: a.shell });
  }
  if (platform === 'darwin') out.push(...unlistedMacHomes(options.usersRoot ?? '/Users', seen, directory));
  return out;
}

/** Directories under /Users owned by a non-root uid and not yet listed: named after their owner, else themselves. */
function unlistedMacHomes(usersRoot: string, seen: Set<string>, directory: UserDirectory): UserHome[] {
  let entries: string[];
  try {
    entries = readdirSync(usersRoot);
  } catch {
    return [];
  }
  const out: UserHome[] = [];
  for (const entry of entries.sort()) {
    if (entry.startsWith('.')) continue;
    const home = join(usersRoot, entry);
    if (seen.has(home)) continue;
    let st;
    try {
      st = lstatSync(home); // a link in /Users is nobody's home
    } catch {
      continue;
    }
    // /Users/Shared and /Users/Guest templates are root's; a person's home is their own.
    if (!st.isDirectory() || st.uid === 0) continue;
    seen.add(home);
    out.push({ user: directory.nameOf(st.uid) ?? entry, uid: st.uid, home });
  }
  return out;
}
