// uid → user name, for per-user rules, exceptions and events. Reads /etc/passwd (re-read when it changes);
// elsewhere only the agent's own user is known by name.
import { readFileSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';

export class UserDirectory {
  private names = new Map<number, string>();
  private mtimeMs = -1;

  constructor(private readonly passwdPath = '/etc/passwd') {}

  nameOf(uid: number): string | undefined {
    this.refresh();
    const name = this.names.get(uid);
    if (name !== undefined) return name;
    try {
      const me = userInfo();
      if (me.uid === uid) return me.username;
    } catch {
      // no passwd entry for the agent's own uid (containers)
    }
    return undefined;
  }

  /** The home directory of a uid from /etc/passwd, when it has an entry. */
  homeOf(uid: number): string | undefined {
    return this.parse().find((a) => a.uid === uid)?.home;
  }

  /** Every account with a home directory, for the inventory's per-user scan. */
  accounts(): { uid: number; name: string; home: string; shell: string }[] {
    return this.parse();
  }

  private refresh(): void {
    let mtimeMs: number;
    try {
      mtimeMs = statSync(this.passwdPath).mtimeMs;
    } catch {
      return;
    }
    if (mtimeMs === this.mtimeMs) return;
    this.mtimeMs = mtimeMs;
    this.names = new Map(this.parse().map((a) => [a.uid, a.name]));
  }

  private parse(): { uid: number; name: string; home: string; shell: string }[] {
    let text: string;
    try {
      text = readFileSync(this.passwdPath, 'utf8');
    } catch {
      return [];
    }
    const out: { uid: number; name: string; home: string; shell: string }[] = [];
    for (const line of text.split('\n')) {
      if (!line || line.startsWith('#')) continue;
      const f = line.split(':');
      if (f.length < 7) continue;
      const uid = Number(f[2]);
      if (!Number.isInteger(uid)) continue;
      out.push({ uid, name: f[0]!, home: f[5]!, shell: f[6]! });
    }
    return out;
  }
}
