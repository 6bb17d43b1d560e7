// Launchers pass a child's stop on: su and runuser stop themselves when the command they run stops, script stops
// itself when its shell does, sudo stops its whole process group (so that a shell without job control notices).
// Cordon's freeze (SIGSTOP) is such a stop, and the tool is killed right after, so nobody would ever resume those
// launchers: a script that ran `runuser -u bob -- tool` would hang for good.
// So, before the freeze, the target's ancestors are noted as they are (one already stopped is not Cordon's to
// touch). After the kill, an ancestor that has since entered the stopped state gets SIGCONT, with the other
// stopped members of its process group (what sudo stopped, and what a shell's `bg` would resume), each verified
// by pid + start time (+ executable) right before the signal. Relays react to SIGCHLD, possibly late, so the watch
// lasts until the target is reaped and nothing has needed resuming for a while, within a bound.
// Linux only (/proc); elsewhere a relayed stop stays a known gap.
import { readFileSync } from 'node:fs';
import { listPids, readExe, readProcStat } from '../process/proc-fs.ts';
import type { ProcessIdentity } from '../process/process-source.ts';
import type { SignalSender } from './process-stopper.ts';

/** How far up the tree a relay is looked for (launchers nest: sudo → su → script → tool). */
const ANCESTOR_LIMIT = 32;
/** The watch ends once nothing needed resuming for this long after the target was reaped (ms). */
const QUIET_MS = 300;
/** And in any case after this long (ms): a launcher that never reaps its child does not keep a watch alive. */
const WATCH_LIMIT_MS = 5000;
const POLL_MS = 10;
/** How long a resumed launcher may take to handle its wake-up before the next level is resumed anyway (ms). */
const SETTLE_MS = 250;

interface Ancestor extends ProcessIdentity {
  wasStopped: boolean;
}

/** How long the kill waits for the target's parent to take in the stop (ms); the tool stays frozen meanwhile. */
const NOTICE_WAIT_MS = 50;

/** Voluntary context switches: it grows each time the process sleeps, so a change means it woke and slept again. */
function sleeps(pid: number): number | null {
  try {
    const m = /^voluntary_ctxt_switches:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

const isStopped = (state: string | undefined) => state === 'T';

/** Still handling its wake-up: not yet scheduled after SIGCONT (T), or running (R). Gone or replaced is not busy. */
function isBusy(p: ProcessIdentity): boolean {
  const stat = readProcStat(p.pid);
  return stat !== null && stat.startTime === p.startTime && (stat.state === 'T' || stat.state === 'R');
}

export class RelayedStops {
  private constructor(
    private readonly target: ProcessIdentity,
    private readonly ancestors: readonly Ancestor[],
    /** The parent's sleep count before the freeze. */
    private readonly parentSleeps: number | null,
  ) {}

  /** Notes the target's ancestors as they are now, before the freeze; null where /proc is absent. */
  static note(target: ProcessIdentity, refused: (pid: number) => boolean): RelayedStops | null {
    if (process.platform !== 'linux') return null;
    const ancestors: Ancestor[] = [];
    let pid = readProcStat(target.pid)?.ppid;
    const parentSleeps = pid === undefined || refused(pid) ? null : sleeps(pid);
    while (pid !== undefined && !refused(pid) && ancestors.length < ANCESTOR_LIMIT) {
      const stat = readProcStat(pid);
      if (!stat) break;
      ancestors.push({ pid, startTime: stat.startTime, exe: readExe(pid), wasStopped: isStopped(stat.state) });
      pid = stat.ppid;
    }
    return new RelayedStops(target, ancestors, parentSleeps);
  }

  /**
   * Waits (briefly) until the target's parent has taken in the stop: it has stopped itself (a relay) or woken and
   * slept again. A launcher that reads SIGCHLD from a signalfd (util-linux script) gets one merged event when the
   * stop and the kill arrive together, takes it for the stop, and never learns its child is gone. Ends early when
   * something resumed the target (tmux continues a stopped pane): then the kill must not wait.
   */
  async untilParentNoticed(): Promise<void> {
    const parent = this.ancestors[0];
    if (!parent || parent.wasStopped || this.parentSleeps === null) return;
    const deadline = Date.now() + NOTICE_WAIT_MS;
    while (Date.now() < deadline) {
      const target = readProcStat(this.target.pid);
      if (!target || target.startTime !== this.target.startTime || !isStopped(target.state)) return;
      const stat = readProcStat(parent.pid);
      if (!stat || stat.startTime !== parent.startTime || isStopped(stat.state)) return;
      if (stat.state !== 'R' && (sleeps(parent.pid) ?? this.parentSleeps) !== this.parentSleeps) return;
      await new Promise((r) => setTimeout(r, 1));
    }
  }

  /**
   * Resumes what entered the stopped state because of the freeze; resolves with what was resumed once things are
   * quiet. `excluded` (the frozen tree) is never resumed; `limitMs` 0 makes it a single pass.
   */
  async resume(send: SignalSender, refused: (pid: number) => boolean, excluded: ReadonlySet<number>, limitMs = WATCH_LIMIT_MS): Promise<ProcessIdentity[]> {
    const resumed: ProcessIdentity[] = [];
    /** When each pid was last continued: a resumed process may still show T until it is next scheduled. */
    const continuedAt = new Map<number, number>();
    const resume = (p: ProcessIdentity): boolean => {
      if (Date.now() - (continuedAt.get(p.pid) ?? -Infinity) < QUIET_MS / 3) return false;
      if (!this.continueIfSame(p, send, refused)) return false;
      continuedAt.set(p.pid, Date.now());
      if (!resumed.some((r) => r.pid === p.pid)) resumed.push(p);
      return true;
    };
    const start = Date.now();
    let lastResume = start;
    /** What the previous pass resumed: the next level waits until these are idle again (or a bound passes). */
    let previous: ProcessIdentity[] = [];
    for (;;) {
      const now = Date.now();
      if (now - start >= limitMs) break;
      const busy = now - lastResume < SETTLE_MS && previous.some((p) => isBusy(p));
      if (!busy) {
        // The outermost stopped launcher first, as a shell's `fg` would: it then resumes what it runs itself
        // (script continues its shell), and what is still stopped below gets its turn once that launcher is idle
        // again. Otherwise a launcher is handed two child events at once, and util-linux script, which reads
        // SIGCHLD from a signalfd, takes the merged "continued + exited" for "continued" and misses its shell's end.
        const outermost = this.ancestors.findLast((a) => {
          if (a.wasStopped) return false;
          const stat = readProcStat(a.pid);
          return stat !== null && stat.startTime === a.startTime && isStopped(stat.state);
        });
        const pgrp = outermost && readProcStat(outermost.pid)?.pgrp;
        if (outermost && pgrp !== undefined) {
          previous = [];
          if (resume(outermost)) previous.push(outermost);
          for (const member of stoppedMembers(pgrp)) {
            if (member.pid === outermost.pid || excluded.has(member.pid) || this.ancestors.some((x) => x.pid === member.pid && x.wasStopped)) continue;
            if (resume(member)) previous.push(member);
          }
          lastResume = Date.now();
        } else if (this.targetReaped() && now - lastResume >= QUIET_MS) break;
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    return resumed;
  }

  private targetReaped(): boolean {
    const stat = readProcStat(this.target.pid);
    return !stat || stat.startTime !== this.target.startTime;
  }

  /** SIGCONT, if the pid is still that process and still stopped. */
  private continueIfSame(p: ProcessIdentity, send: SignalSender, refused: (pid: number) => boolean): boolean {
    if (refused(p.pid)) return false;
    const stat = readProcStat(p.pid);
    if (!stat || stat.startTime !== p.startTime || !isStopped(stat.state)) return false;
    if (p.exe !== null && readExe(p.pid) !== p.exe) return false;
    try {
      send(p.pid, 'SIGCONT');
      return true;
    } catch {
      return false; // gone in between
    }
  }
}

/** Stopped processes of a process group, read now (one pass over /proc; only needed when a relay happened). */
function stoppedMembers(pgrp: number): ProcessIdentity[] {
  const out: ProcessIdentity[] = [];
  for (const pid of listPids()) {
    const stat = readProcStat(pid);
    if (stat && stat.pgrp === pgrp && isStopped(stat.state)) out.push({ pid, startTime: stat.startTime, exe: readExe(pid) });
  }
  return out;
}
