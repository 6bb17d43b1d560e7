// The Linux fast path. Each tick costs one read of /proc/loadavg when nothing was created; only then is /proc
// listed, and only pids not seen before are read. A process is evaluated once, not once per tick — except
// that a fork is usually followed by an exec, so young processes are re-checked for a changed executable for
// a short while, and a slow sweep catches the rare long-lived process that execs later.
import { isKernelThread, listPids, readCmdline, readCwd, readExe, readLastPid, readProcStat, readUid } from './proc-fs.ts';
import type { ProcessIdentity, ProcessSource, SeenProcess } from './process-source.ts';
import { ttyPathFromNr } from './tty-device.ts';

interface Known {
  startTime: number;
  ppid: number;
  exe: string | null;
  /** The argv joined, to notice an exec into the same interpreter with another script. */
  argvKey: string;
  seenAt: number;
  kernel: boolean;
}

export interface ProcFsSourceOptions {
  procRoot?: string;
  /** How long after first sight a process is re-checked on every poll for an exec (ms). */
  youngMs?: number;
  /** How often every known process is re-checked for an exec (ms). */
  sweepMs?: number;
  now?: () => number;
}

export class ProcFsSource implements ProcessSource {
  readonly kind = 'procfs';
  private readonly known = new Map<number, Known>();
  private readonly young = new Set<number>();
  /** Processes discovered outside poll() (while walking a tree to stop it), reported by the next poll. */
  private pending: SeenProcess[] = [];
  private lastPid = -1;
  private lastSweep = 0;
  private readonly procRoot: string;
  private readonly youngMs: number;
  private readonly sweepMs: number;
  private readonly now: () => number;
  /** Counters for health and the benchmark. */
  readonly stats = { polls: 0, listings: 0, processReads: 0, sweeps: 0 };

  constructor(options: ProcFsSourceOptions = {}) {
    this.procRoot = options.procRoot ?? '/proc';
    this.youngMs = options.youngMs ?? 1500;
    this.sweepMs = options.sweepMs ?? 5000;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.known.size;
  }

  poll(): Promise<SeenProcess[]> {
    return Promise.resolve(this.pollSync());
  }

  pollSync(): SeenProcess[] {
    this.stats.polls++;
    const now = this.now();
    const out: SeenProcess[] = this.pending;
    this.pending = [];
    const lastPid = readLastPid(this.procRoot);
    if (lastPid !== this.lastPid) {
      this.lastPid = lastPid;
      this.list(now, out);
    }
    if (this.young.size) this.recheckYoung(now, out);
    if (now - this.lastSweep >= this.sweepMs) {
      this.lastSweep = now;
      this.sweep(out);
    }
    return out;
  }

  private list(now: number, out: SeenProcess[]): void {
    this.stats.listings++;
    const pids = listPids(this.procRoot);
    const present = new Set<number>();
    for (const pid of pids) {
      present.add(pid);
      if (this.known.has(pid)) continue;
      const seen = this.read(pid, now);
      if (seen) out.push(seen);
    }
    if (present.size !== this.known.size) {
      for (const pid of this.known.keys()) {
        if (!present.has(pid)) {
          this.known.delete(pid);
          this.young.delete(pid);
        }
      }
    }
  }

  private read(pid: number, now: number): SeenProcess | null {
    this.stats.processReads++;
    const stat = readProcStat(pid, this.procRoot);
    if (!stat) return null;
    if (isKernelThread(stat)) {
      this.known.set(pid, { startTime: stat.startTime, ppid: stat.ppid, exe: null, argvKey: '', seenAt: now, kernel: true });
      return null;
    }
    const exe = readExe(pid, this.procRoot);
    const argv = readCmdline(pid, this.procRoot);
    const uid = readUid(pid, this.procRoot);
    if (uid === null) return null; // exited between the reads
    this.known.set(pid, { startTime: stat.startTime, ppid: stat.ppid, exe, argvKey: argv.join('\0'), seenAt: now, kernel: false });
    this.young.add(pid);
    const procRoot = this.procRoot;
    return {
      pid,
      ppid: stat.ppid,
      uid,
      startTime: stat.startTime,
      exe,
      argv,
      comm: stat.comm,
      tty: ttyPathFromNr(stat.ttyNr),
      ttyNr: stat.ttyNr || undefined,
      cwd: () => readCwd(pid, procRoot),
    };
  }

  private recheckYoung(now: number, out: SeenProcess[]): void {
    for (const pid of this.young) {
      const k = this.known.get(pid);
      if (!k || now - k.seenAt > this.youngMs) {
        this.young.delete(pid);
        continue;
      }
      this.recheck(pid, k, out);
    }
  }

  private sweep(out: SeenProcess[]): void {
    this.stats.sweeps++;
    for (const [pid, k] of this.known) {
      if (k.kernel) continue;
      this.recheck(pid, k, out, true);
    }
  }

  /** Re-reads the executable (and, for young processes, the argv); re-reports the process when it exec'd. */
  private recheck(pid: number, k: Known, out: SeenProcess[], exeOnly = false): void {
    const exe = readExe(pid, this.procRoot);
    if (exe === null && k.exe !== null) return; // exiting, or became a zombie
    let argv: string[] | undefined;
    if (exe === k.exe) {
      if (exeOnly) return;
      argv = readCmdline(pid, this.procRoot);
      if (argv.join('\0') === k.argvKey || argv.length === 0) return;
    }
    const stat = readProcStat(pid, this.procRoot);
    if (!stat || stat.startTime !== k.startTime) {
      // The pid was reused between ticks: forget the old process; the next listing reports the new one.
      this.known.delete(pid);
      this.young.delete(pid);
      this.lastPid = -1;
      return;
    }
    argv ??= readCmdline(pid, this.procRoot);
    const uid = readUid(pid, this.procRoot);
    if (uid === null) return;
    k.exe = exe;
    k.argvKey = argv.join('\0');
    k.ppid = stat.ppid;
    const procRoot = this.procRoot;
    out.push({
      pid,
      ppid: stat.ppid,
      uid,
      startTime: stat.startTime,
      exe,
      argv,
      comm: stat.comm,
      tty: ttyPathFromNr(stat.ttyNr),
      ttyNr: stat.ttyNr || undefined,
      cwd: () => readCwd(pid, procRoot),
      execed: true,
    });
  }

  identity(pid: number): Promise<ProcessIdentity | null> {
    return Promise.resolve(this.identitySync(pid));
  }

  identitySync(pid: number): ProcessIdentity | null {
    const stat = readProcStat(pid, this.procRoot);
    if (!stat || stat.state === 'Z' || stat.state === 'X') return null;
    return { pid, startTime: stat.startTime, exe: readExe(pid, this.procRoot) };
  }

  descendants(root: number): Promise<ProcessIdentity[]> {
    // Learn about processes created since the last tick first (their parents are what links the tree).
    this.list(this.now(), this.pending);
    const children = new Map<number, number[]>();
    for (const [pid, k] of this.known) {
      if (k.kernel) continue;
      const list = children.get(k.ppid);
      if (list) list.push(pid);
      else children.set(k.ppid, [pid]);
    }
    const out: ProcessIdentity[] = [];
    const queue = [...(children.get(root) ?? [])];
    const visited = new Set<number>([root]);
    while (queue.length) {
      const pid = queue.shift()!;
      if (visited.has(pid)) continue;
      visited.add(pid);
      const id = this.identitySync(pid);
      if (id) out.push(id);
      queue.push(...(children.get(pid) ?? []));
    }
    return Promise.resolve(out);
  }

  parentOf(pid: number): number | undefined {
    return this.known.get(pid)?.ppid;
  }
}
