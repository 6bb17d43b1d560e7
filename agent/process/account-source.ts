// Where the machine's accounts come from, per platform: the name service on Linux (`getent passwd`, /etc/passwd when
// getent is missing), the directory service on macOS (`dscacheutil`, `dscl` when that fails). The agent needs them
// for per-user rules and exceptions (uid → name) and for the inventory (whose homes to look at).
import { PasswdAccounts } from './passwd-accounts.ts';
import { DirectoryServiceAccounts } from './directory-service-accounts.ts';

export interface Account {
  uid: number;
  name: string;
  home: string;
  /** Login shell; a nologin/false shell marks a service account. */
  shell: string;
}

export interface AccountSource {
  /** Every account the source lists now (a fresh read; callers cache). */
  list(): Account[];
  /**
   * A value that changes when the accounts may have (a file's mtime); undefined when the source has no such signal,
   * and callers re-read it after a while instead.
   */
  changeStamp(): string | undefined;
  /**
   * One account by uid, asked of the directory itself: network directories (LDAP, SSSD, Active Directory) often do
   * not enumerate their users, so `list()` misses them.
   */
  find(uid: number): Account | undefined;
}

/** The source this platform's accounts live in. Windows has none here: only the agent's own user is known by name. */
export function platformAccountSource(platform: NodeJS.Platform = process.platform): AccountSource | undefined {
  if (platform === 'darwin') return new DirectoryServiceAccounts();
  if (platform === 'win32') return undefined;
  return new PasswdAccounts();
}
