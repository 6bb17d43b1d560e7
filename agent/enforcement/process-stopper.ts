// Stops a process and everything it spawned, without ever signalling the wrong process.
// Order: freeze the target (SIGSTOP, so it cannot spawn more or finish a request), let the caller explain
// itself on the terminal, freeze the descendants found by walking the tree, then SIGKILL them all. Before every
// signal the pid's identity (start time + executable) is read again and compared: a pid that was reused, or a
// process that exec'd something else, is left alone.
import { readFile } from 'node:fs/promises';
import type { ProcessIdentity, ProcessSource } from '../process/process-source.ts';
import { sameProcess } from '../process/process-source.ts';

export interface StopOutcome {
  /** Processes that received SIGKILL (the target first, then its descendants). */
  killed: ProcessIdentity[];
  /** Pids left alone, with the reason (gone, identity changed, protected). */
  spared: { pid: number; why: string }[];
  /** True when the target itself was killed. */
  stopped: boolean;
}

const STOP_WAIT_MS = 50;

/** Resolves once /proc shows the pid stopped (or gone), or after STOP_WAIT_MS; a no-op where /proc is absent. */
async function untilStopped(pid: number): Promise<void> {
  if (process.platform !== 'linux') return;
  const deadline = Date.now() + STOP_WAIT_MS;
  while (Date.now() < deadline) {
    let stat: string;
    try {
      stat = await readFile(`/proc/${pid}/stat`, 'latin1');
    } catch {
      return;
    }
    // The state letter follows the parenthesised command name, which may itself hold ')'.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'T' || state === 't' || state === 'Z' || state === 'X') return;
    await new Promise((r) => setTimeout(r, 1));
  }
}

export type SignalSender = (pid: number, signal: NodeJS.Signals) => void;

export class ProcessStopper {
  constructor(
    private readonly source: ProcessSource,
    /** Never signalled: pid 1, the agent, its ancestors. */
    private readonly protectedPids: ReadonlySet<number>,
    private readonly send: SignalSender = (pid, signal) => process.kill(pid, signal),
  ) {}

  /** Why a pid must never be signalled, or null when it may be. */
  refusal(pid: number): string | null {
    if (!Number.isInteger(pid) || pid <= 1) return 'pid 0/1 is never signalled';
    if (this.protectedPids.has(pid)) return 'the agent itself or one of its ancestors';
    return null;
  }

  async stopTree(target: ProcessIdentity, explain?: () => void): Promise<StopOutcome> {
    const outcome: StopOutcome = { killed: [], spared: [], stopped: false };
    const frozen: ProcessIdentity[] = [];
    if (!(await this.signalVerified(target, 'SIGSTOP', outcome))) return outcome;
    frozen.push(target);
    // SIGSTOP takes effect when the target is next scheduled, not when kill() returns: wait (briefly) until the
    // kernel shows it stopped, so the explanation never races the tool's own output.
    await untilStopped(target.pid);
    try {
      explain?.();
    } catch {
      // The explanation is a courtesy; failing to write it must not stop enforcement.
    }
    // A child may have been forked between two reads; a few rounds until no new descendant appears.
    const seen = new Set<number>([target.pid]);
    for (let round = 0; round < 3; round++) {
      const found = (await this.source.descendants(target.pid)).filter((d) => !seen.has(d.pid));
      if (!found.length) break;
      for (const d of found) {
        seen.add(d.pid);
        if (await this.signalVerified(d, 'SIGSTOP', outcome)) frozen.push(d);
      }
    }
    for (const p of frozen) {
      if (await this.signalVerified(p, 'SIGKILL', outcome)) {
        outcome.killed.push(p);
        if (p.pid === target.pid) outcome.stopped = true;
      }
    }
    return outcome;
  }

  private async signalVerified(p: ProcessIdentity, signal: NodeJS.Signals, outcome: StopOutcome): Promise<boolean> {
    const refusal = this.refusal(p.pid);
    if (refusal) {
      outcome.spared.push({ pid: p.pid, why: refusal });
      return false;
    }
    const now = await this.source.identity(p.pid);
    if (!sameProcess(p, now)) {
      outcome.spared.push({ pid: p.pid, why: now ? 'identity changed (pid reused or exec)' : 'already gone' });
      return false;
    }
    try {
      this.send(p.pid, signal);
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      outcome.spared.push({ pid: p.pid, why: code === 'ESRCH' ? 'already gone' : `cannot signal: ${code ?? String(err)}` });
      return false;
    }
  }
}
