// The Linux fast path. Each tick costs one read of /proc/loadavg when nothing was created. When something was,
// the pids handed out since the last tick are probed directly (pids are allocated in order, so the new ones lie
// between the previous and the current "last pid"); /proc is listed in full only when that range is large, and
// on the slow sweep, which also forgets processes that exited. A process is evaluated once, not once per tick,
// except for exec: a fork is usually followed by an exec, so young processes are re-checked for a short while;
// an old process that execs (`exec claude` in a long-lived shell) shows itself through the threads the new
// program starts, which take pids from the same counter; the sweep is the backstop for anything else.
import { LastPidReader } from './last-pid-reader.ts';
import { isKernelThread, listPids, readChildren, readCmdline, readCwd, readExe, readExeId, readPidMax, readProcStat, readTgid, readUid, type ProcStat } from './proc-fs.ts';
import type { ProcessLink, ProcessSource, SeenProcess } from './process-source.ts';
import { ttyPathFromNr } from './tty-device.ts';

/** Beyond this many new pids in one tick, one listing of /proc is cheaper than probing each. */
const PROBE_LIMIT = 256;
/** A tree larger than this is not walked further (bounds the work a fork bomb can cause the agent). */
const TREE_LIMIT = 8192;
/** After pid_max the kernel wraps around to 300 (lower pids are reserved for early system processes). */
const RESERVED_PIDS = 300;
/**
 * How many more ticks a pid that could not be read is looked at. A forked process is invisible only between the
 * kernel allocating its pid and attaching it (microseconds); a pid still unreadable ticks later belonged to a
 * thread or process that already ended, which on a busy machine is most of them: retrying those for long costs
 * CPU for nothing. A process missed anyway shows itself through its threads (probe) or the sweep.
 */
const UNRESOLVED_RETRIES = 3;

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
  /** How often every known process is re-checked for an exec that nothing else revealed (ms). */
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
  private pidMax: number | undefined;
  /** Pids allocated but not readable when probed, with how many more ticks to look at them. */
  private readonly unresolved = new Map<number, number>();
  private readonly lastPidReader: LastPidReader;
  private readonly procRoot: string;
  private readonly youngMs: number;
  private readonly sweepMs: number;
  private readonly now: () => number;
  /** Counters for health and the benchmark. */
  readonly stats = { polls: 0, listings: 0, probes: 0, processReads: 0, sweeps: 0 };

  constructor(options: ProcFsSourceOptions = {}) {
    this.procRoot = options.procRoot ?? '/proc';
    this.youngMs = options.youngMs ?? 1500;
    this.sweepMs = options.sweepMs ?? 120_000;
    this.now = options.now ?? Date.now;
    this.lastPidReader = new LastPidReader(`${this.procRoot}/loadavg`);
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
    const lastPid = this.lastPidReader.read();
    if (lastPid !== this.lastPid) {
      // The very first listing finds processes that started long ago: they need no exec re-checks.
      const first = this.lastPid === -1 && this.known.size === 0;
      const previous = this.lastPid;
      this.lastPid = lastPid;
      if (previous === -1 || !this.probeNewPids(previous, lastPid, now, out)) this.list(now, out, !first);
    }
    if (this.unresolved.size) this.retryUnresolved(now, out);
    if (this.young.size) this.recheckYoung(now, out);
    if (now - this.lastSweep >= this.sweepMs) {
      this.lastSweep = now;
      this.sweep(now, out);
    }
    return out;
  }

  /**
   * Reads the pids allocated after `from` up to `to` (wrapping at pid_max). Threads take pids from the same
   * counter, so each hit is checked to be a thread-group leader. Returns false when the range is too large to
   * be worth probing one by one (then the caller lists /proc).
   */
  private probeNewPids(from: number, to: number, now: number, out: SeenProcess[]): boolean {
    const pidMax = (this.pidMax ??= readPidMax(this.procRoot));
    const count = to > from ? to - from : pidMax - from + to;
    if (count > PROBE_LIMIT || count <= 0) return false;
    this.stats.probes++;
    for (let i = 1, pid = from + 1; i <= count; i++, pid++) {
      if (pid >= pidMax) pid = RESERVED_PIDS;
      const k = this.known.get(pid);
      if (k) {
        // A pid we knew was handed out again: the old process is gone.
        const stat = readProcStat(pid, this.procRoot);
        if (stat && stat.startTime === k.startTime) continue;
        this.known.delete(pid);
        this.young.delete(pid);
      }
      this.probe(pid, now, out);
    }
    return true;
  }

  private probe(pid: number, now: number, out: SeenProcess[]): void {
    const tgid = readTgid(pid, this.procRoot);
    if (tgid === null) {
      // Allocated but not visible yet (fork in progress), or already exited: look again on the next few ticks.
      if (!this.unresolved.has(pid)) this.unresolved.set(pid, UNRESOLVED_RETRIES);
      return;
    }
    this.unresolved.delete(pid);
    if (tgid !== pid) {
      // A new thread. A program starting up starts threads, so a thread in a process we already know is the
      // cheap sign that it may just have exec'd (`exec claude` in an old shell keeps the pid): look at its exe.
      const k = this.known.get(tgid);
      if (k && !k.kernel && !this.young.has(tgid)) this.recheck(tgid, k, out, true);
      // A thread of a process we never saw (its own pid was unreadable when probed): now is the time to see it.
      else if (!k && !this.unresolved.has(tgid)) this.probe(tgid, now, out);
      return;
    }
    const seen = this.read(pid, now, true);
    if (seen) out.push(seen);
  }

  private retryUnresolved(now: number, out: SeenProcess[]): void {
    for (const [pid, left] of this.unresolved) {
      if (this.known.has(pid) || left <= 0) this.unresolved.delete(pid);
      else {
        this.unresolved.set(pid, left - 1);
        this.probe(pid, now, out);
      }
    }
  }

  private list(now: number, out: SeenProcess[], markYoung = true): void {
    this.stats.listings++;
    const pids = listPids(this.procRoot);
    const present = new Set<number>();
    for (const pid of pids) {
      present.add(pid);
      if (this.known.has(pid)) continue;
      const seen = this.read(pid, now, markYoung);
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

  private read(pid: number, now: number, markYoung: boolean): SeenProcess | null {
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
    if (markYoung) this.young.add(pid);
    return this.seen(pid, stat, uid, exe, argv);
  }

  private seen(pid: number, stat: ProcStat, uid: number, exe: string | null, argv: string[], execed?: true): SeenProcess {
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
      procDir: `${procRoot}/${pid}`,
      ...(execed ? { execed } : {}),
    };
  }

  private recheckYoung(now: number, out: SeenProcess[]): void {
    for (const pid of this.young) {
      const k = this.known.get(pid);
      if (!k) {
        this.young.delete(pid);
        continue;
      }
      // A last look as the window closes: after a pause between polls (a starved agent) the exec may lie in it.
      this.recheck(pid, k, out);
      if (now - k.seenAt > this.youngMs) this.young.delete(pid);
    }
  }

  private sweep(now: number, out: SeenProcess[]): void {
    this.stats.sweeps++;
    // A full listing: forgets processes that exited, and finds anything the probes could not see.
    this.list(now, out);
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
    out.push(this.seen(pid, stat, uid, exe, argv, true));
  }

  running(): Promise<SeenProcess[]> {
    const out: SeenProcess[] = [];
    for (const pid of listPids(this.procRoot)) {
      const stat = readProcStat(pid, this.procRoot);
      if (!stat || isKernelThread(stat) || stat.state === 'Z' || stat.state === 'X') continue;
      const uid = readUid(pid, this.procRoot);
      if (uid === null) continue;
      out.push(this.seen(pid, stat, uid, readExe(pid, this.procRoot), readCmdline(pid, this.procRoot)));
    }
    return Promise.resolve(out);
  }

  execHint(pid: number): void {
    const k = this.known.get(pid);
    if (!k || k.kernel) return; // a pid not known yet is found by the next poll's probe of new pids
    k.seenAt = this.now();
    this.young.add(pid);
  }

    identity(pid: number): Promise<ProcessLink | null> {
    return Promise.resolve(this.identitySync(pid));
  }

  identitySync(pid: number): ProcessLink | null {
    const stat = readProcStat(pid, this.procRoot);
    if (!stat || stat.state === 'Z' || stat.state === 'X') return null;
    const exeId = readExeId(pid, this.procRoot);
    return { pid, startTime: stat.startTime, exe: readExe(pid, this.procRoot), ...(exeId ? { exeId } : {}), ppid: stat.ppid };
  }

  /**
   * The tree under `root` as the kernel shows it now: each child's parent is read afresh, never taken from what
   * was recorded at first sight (a recorded parent may have exited and its pid been handed to someone else).
   */
  descendants(root: number): Promise<ProcessLink[]> {
    // Report processes created since the last tick on the next poll, as the tree walk may be the first to see them.
    this.list(this.now(), this.pending);
    let byParent: Map<number, number[]> | undefined;
    const childrenOf = (pid: number): number[] => {
      const listed = byParent ? null : readChildren(pid, this.procRoot);
      if (listed) return listed;
      // No children file in this kernel: one fresh read of every process's parent.
      byParent ??= this.parentsNow();
      return byParent.get(pid) ?? [];
    };
    const out: ProcessLink[] = [];
    const queue = [root];
    const visited = new Set<number>([root]);
    while (queue.length && out.length < TREE_LIMIT) {
      const parent = queue.shift()!;
      for (const pid of childrenOf(parent)) {
        if (visited.has(pid)) continue;
        visited.add(pid);
        const link = this.identitySync(pid);
        // Between the two reads the child may have exited, or been reparented when its parent did.
        if (!link || link.ppid !== parent) continue;
        const k = this.known.get(pid);
        if (k && k.startTime === link.startTime) k.ppid = link.ppid;
        out.push(link);
        queue.push(pid);
      }
    }
    return Promise.resolve(out);
  }

  private parentsNow(): Map<number, number[]> {
    const byParent = new Map<number, number[]>();
    for (const pid of listPids(this.procRoot)) {
      const stat = readProcStat(pid, this.procRoot);
      if (!stat || isKernelThread(stat)) continue;
      const list = byParent.get(stat.ppid);
      if (list) list.push(pid);
      else byParent.set(stat.ppid, [pid]);
    }
    return byParent;
  }

  parentOf(pid: number): number | undefined {
    return this.known.get(pid)?.ppid;
  }
}
