// uid → user name and home, for per-user rules, exceptions, events and the inventory. The accounts come from the
// platform's source (account-source.ts) and are cached: re-read when the source's change stamp moves, and at most
// once a minute when a uid is missing (a network account that just logged in) or the source has no stamp.
import { userInfo } from 'node:os';
import { platformAccountSource, type Account, type AccountSource } from './account-source.ts';
import { PasswdAccounts } from './passwd-accounts.ts';

const RETRY_AFTER_MS = 60_000;
const STALE_AFTER_MS = 10 * 60_000;

export class UserDirectory {
  private readonly source: AccountSource | undefined;
  private accountList: Account[] = [];
  private names = new Map<number, string>();
  private stamp: string | undefined;
  private readAt = -Infinity;

  /** A path reads that passwd(5) file alone (tests); no argument uses this platform's source. */
  constructor(source: AccountSource | string | undefined = platformAccountSource()) {
    this.source = typeof source === 'string' ? new PasswdAccounts(source, false) : source;
  }

  nameOf(uid: number): string | undefined {
    this.refresh(false);
    let name = this.names.get(uid);
    if (name === undefined && this.refresh(true)) name = this.names.get(uid);
    if (name !== undefined) return name;
    try {
      const me = userInfo();
      if (me.uid === uid) return me.username;
    } catch {
      // no account entry for the agent's own uid (containers)
    }
    return undefined;
  }

  /** The home directory of a uid, when it has an entry. */
  homeOf(uid: number): string | undefined {
    this.refresh(false);
    return this.accountList.find((a) => a.uid === uid)?.home;
  }

  /** Every account, for the inventory's per-user scan. */
  accounts(): Account[] {
    this.refresh(false);
    return this.accountList;
  }

  /** Re-reads when due; `missed` (a uid was not found) makes it due once a minute. True when it read. */
  private refresh(missed: boolean): boolean {
    if (!this.source) return false;
    const now = Date.now();
    const stamp = this.source.changeStamp();
    const age = now - this.readAt;
    const due = this.readAt === -Infinity || (stamp !== undefined && stamp !== this.stamp) || age >= STALE_AFTER_MS || (missed && age >= RETRY_AFTER_MS);
    if (!due) return false;
    this.stamp = stamp;
    this.readAt = now;
    this.accountList = this.source.list();
    // The first entry for a uid is its name, as getpwuid answers (root before an alias such as toor).
    this.names = new Map();
    for (const a of this.accountList) if (!this.names.has(a.uid)) this.names.set(a.uid, a.name);
    return true;
  }
}
