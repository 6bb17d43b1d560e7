// uid → user name and home, for per-user rules, exceptions, events and the inventory. The accounts come from the
// platform's source (account-source.ts) and are cached: re-read when the source's change stamp moves or after ten
// minutes; a uid the listing lacks (a network account the directory does not enumerate) is asked for by itself,
// at most once a minute per uid.
import { userInfo } from 'node:os';
import { platformAccountSource, type Account, type AccountSource } from './account-source.ts';
import { PasswdAccounts } from './passwd-accounts.ts';

const RETRY_AFTER_MS = 60_000;
const STALE_AFTER_MS = 10 * 60_000;
const MAX_ASKED = 4096;
const LOOKUPS_PER_MINUTE = 20;

export class UserDirectory {
  private readonly source: AccountSource | undefined;
  private accountList: Account[] = [];
  private names = new Map<number, string>();
  private stamp: string | undefined;
  private readAt = -Infinity;
  /** When each missing uid was last asked for by itself (bounded: uids are the caller's to choose). */
  private readonly askedAt = new Map<number, number>();
  private budgetFrom = -Infinity;
  private budgetLeft = 0;

  /** A path reads that passwd(5) file alone (tests); no argument uses this platform's source. */
  constructor(source: AccountSource | string | undefined = platformAccountSource()) {
    this.source = typeof source === 'string' ? new PasswdAccounts(source, false) : source;
  }

  nameOf(uid: number): string | undefined {
    this.refresh();
    let name = this.names.get(uid);
    if (name === undefined) name = this.lookUp(uid);
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
    this.refresh();
    return this.accountList.find((a) => a.uid === uid)?.home;
  }

  /** Every account, for the inventory's per-user scan. */
  accounts(): Account[] {
    this.refresh();
    return this.accountList;
  }

  /** A uid the listing lacks: asked of the directory by itself, at most once a minute per uid. */
  private lookUp(uid: number): string | undefined {
    if (!this.source) return undefined;
    const now = Date.now();
    if (now - (this.askedAt.get(uid) ?? -Infinity) < RETRY_AFTER_MS) return undefined;
    // Each question is a child process on the caller's thread: a user with a range of subordinate uids (rootless
    // containers) must not be able to make the agent spend its time asking, so there is a budget per minute too.
    if (now - this.budgetFrom >= RETRY_AFTER_MS) {
      this.budgetFrom = now;
      this.budgetLeft = LOOKUPS_PER_MINUTE;
    }
    if (this.budgetLeft <= 0) return undefined;
    this.budgetLeft--;
    if (this.askedAt.size >= MAX_ASKED) this.askedAt.clear();
    this.askedAt.set(uid, now);
    const account = this.source.find(uid);
    if (!account) return undefined;
    this.names.set(uid, account.name);
    return account.name;
  }

  /** Re-reads the listing when its source changed, or after ten minutes. */
  private refresh(): void {
    if (!this.source) return;
    const now = Date.now();
    const stamp = this.source.changeStamp();
    const age = now - this.readAt;
    const due = this.readAt === -Infinity || (stamp !== undefined && stamp !== this.stamp) || age >= STALE_AFTER_MS;
    if (!due) return;
    this.stamp = stamp;
    this.readAt = now;
    this.accountList = this.source.list();
    // The first entry for a uid is its name, as getpwuid answers (root before an alias such as toor).
    this.names = new Map();
    for (const a of this.accountList) if (!this.names.has(a.uid)) this.names.set(a.uid, a.name);
  }
}
