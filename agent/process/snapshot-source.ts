// A process source built on whole-table listings (macOS ps, Windows via systeminformation): each poll lists
// every process and reports those not seen before (by pid + start time) or whose executable changed.
import type { ProcessLink, ProcessSource, SeenProcess } from './process-source.ts';

export type ListedProcess = Omit<SeenProcess, 'execed'>;

export abstract class SnapshotSource implements ProcessSource {
  abstract readonly kind: string;
  private known = new Map<number, ListedProcess>();

  /** Every process on the system, now. */
  protected abstract list(): Promise<ListedProcess[]>;

  get size(): number {
    return this.known.size;
  }

  async poll(): Promise<SeenProcess[]> {
    const listed = await this.list();
    const out: SeenProcess[] = [];
    const next = new Map<number, ListedProcess>();
    for (const p of listed) {
      next.set(p.pid, p);
      const before = this.known.get(p.pid);
      if (!before || before.startTime !== p.startTime) out.push(p);
      else if (before.exe !== p.exe || before.argv.join('\0') !== p.argv.join('\0')) out.push({ ...p, execed: true });
    }
    this.known = next;
    return out;
  }

  running(): Promise<SeenProcess[]> {
    return this.list();
  }

  async identity(pid: number): Promise<ProcessLink | null> {
    const p = (await this.list()).find((x) => x.pid === pid);
    return p ? { pid, startTime: p.startTime, exe: p.exe, ppid: p.ppid } : null;
  }

  async descendants(root: number): Promise<ProcessLink[]> {
    const listed = await this.list();
    const children = new Map<number, ListedProcess[]>();
    for (const p of listed) {
      const list = children.get(p.ppid);
      if (list) list.push(p);
      else children.set(p.ppid, [p]);
    }
    const out: ProcessLink[] = [];
    const queue = [...(children.get(root) ?? [])];
    const visited = new Set([root]);
    while (queue.length) {
      const p = queue.shift()!;
      if (visited.has(p.pid)) continue;
      visited.add(p.pid);
      out.push({ pid: p.pid, startTime: p.startTime, exe: p.exe, ppid: p.ppid });
      queue.push(...(children.get(p.pid) ?? []));
    }
    return out;
  }

  parentOf(pid: number): number | undefined {
    return this.known.get(pid)?.ppid;
  }
}
