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

interface Ancestor extends ProcessIdentity {
  wasStopped: boolean;
}

const isStopped = (state: string | undefined) => state === 'T';

export class RelayedStops {
  private constructor(
    private readonly target: ProcessIdentity,
    private readonly ancestors: readonly Ancestor[],
  ) {}

  /** Notes the target's ancestors as they are now, before the freeze; null where /proc is absent. */
  static note(target: ProcessIdentity, refused: (pid: number) => boolean): RelayedStops | null {
    if (process.platform !== 'linux') return null;
    const ancestors: Ancestor[] = [];
    let pid = readProcStat(target.pid)?.ppid;
    while (pid !== undefined && !refused(pid) && ancestors.length < ANCESTOR_LIMIT) {
      const stat = readProcStat(pid);
      if (!stat) break;
      ancestors.push({ pid, startTime: stat.startTime, exe: readExe(pid), wasStopped: isStopped(stat.state) });
      pid = stat.ppid;
    }
    return new RelayedStops(target, ancestors);
  }

  /**
   * Resumes what entered the stopped state because of the freeze; resolves with what was resumed once things are
   * quiet. `excluded` (the frozen tree) is never resumed; `limitMs` 0 makes it a single pass.
   */
  async resume(send: SignalSender, refused: (pid: number) => boolean, excluded: ReadonlySet<number>, limitMs = WATCH_LIMIT_MS): Promise<ProcessIdentity[]> {
    const resumed: ProcessIdentity[] = [];
    /** When each pid was last continued: a resumed process may still show T until it is next scheduled. */
    const continuedAt = new Map<number, number>();
    const resume = (p: ProcessIdentity) => {
      if (Date.now() - (continuedAt.get(p.pid) ?? -Infinity) < QUIET_MS / 3) return;
      if (!this.continueIfSame(p, send, refused)) return;
      continuedAt.set(p.pid, Date.now());
      if (!resumed.some((r) => r.pid === p.pid)) resumed.push(p);
    };
    const start = Date.now();
    let lastResume = start;
    for (;;) {
      // The outermost stopped launcher first, as a shell's `fg` would: it then resumes what it runs itself
      // (script continues its shell), and whatever is still stopped below gets its turn on the next pass. Resuming
      // inner ones first would hand an outer launcher two child events at once (script misses its shell's exit).
      const outermost = this.ancestors.findLast((a) => {
        if (a.wasStopped) return false;
        const stat = readProcStat(a.pid);
        return stat !== null && stat.startTime === a.startTime && isStopped(stat.state);
      });
      const pgrp = outermost && readProcStat(outermost.pid)?.pgrp;
      if (outermost && pgrp !== undefined) {
        resume(outermost);
        for (const member of stoppedMembers(pgrp)) {
          if (member.pid === outermost.pid || excluded.has(member.pid) || this.ancestors.some((x) => x.pid === member.pid && x.wasStopped)) continue;
          resume(member);
        }
        lastResume = Date.now();
      }
      const now = Date.now();
      if (now - start >= limitMs) break;
      if (this.targetReaped() && now - lastResume >= QUIET_MS) break;
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
