// Stops a process and everything it spawned, without ever signalling the wrong process.
// Order: freeze the target (SIGSTOP, so it cannot spawn more or finish a request), let the caller explain
// itself on the terminal, freeze the descendants found by walking the tree, then SIGKILL them all, deepest
// first. Before every signal the pid's identity (start time + executable) is read again and compared: a pid that
// was reused, or a process that exec'd something else, is left alone. A descendant is frozen only when an
// unbroken chain of parents, each read afresh and each the very process frozen before it, leads to the target:
// a parent pid that was recorded once may since have exited and been handed to someone else's program.
// Launchers that pass the freeze on to themselves (su, runuser, sudo, script) are resumed after the kill
// (relayed-stops.ts), so nothing but the tool's own tree is ever left stopped.
import { readFile } from 'node:fs/promises';
import type { ProcessIdentity, ProcessSource } from '../process/process-source.ts';
import { sameProcess } from '../process/process-source.ts';
import { RelayedStops } from './relayed-stops.ts';

export interface StopOutcome {
  /** Processes that received SIGKILL (the descendants deepest first, the target last). */
  killed: ProcessIdentity[];
  /** Pids left alone, with the reason (gone, identity changed, protected). */
  spared: { pid: number; why: string }[];
  /** True when the target itself was killed. */
  stopped: boolean;
  /**
   * Processes the freeze stopped on the way (launchers relaying the stop), resumed once the tool is gone.
   * Settles in the background, after stopTree has returned; never rejects.
   */
  resumed: Promise<ProcessIdentity[]>;
}

/** Watches for relayed stops running at once; beyond this a stop checks once instead of watching (bounded work). */
const MAX_WATCHES = 16;

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

  private watches = 0;

  /** Why a pid must never be signalled, or null when it may be. */
  refusal(pid: number): string | null {
    if (!Number.isInteger(pid) || pid <= 1) return 'pid 0/1 is never signalled';
    if (this.protectedPids.has(pid)) return 'the agent itself or one of its ancestors';
    return null;
  }

  async stopTree(target: ProcessIdentity, explain?: () => void): Promise<StopOutcome> {
    const outcome: StopOutcome = { killed: [], spared: [], stopped: false, resumed: Promise.resolve([]) };
    /** What was frozen, by pid, as read right before it was frozen; in the order frozen (parents first). */
    const frozen = new Map<number, ProcessIdentity>();
    // Before the freeze: which of the target's ancestors are running now, to resume any that the freeze stops.
    const relays = this.refusal(target.pid) ? null : RelayedStops.note(target, (pid) => this.refusal(pid) !== null);
    const root = await this.signalVerified(target, 'SIGSTOP', outcome);
    if (!root) return outcome;
    frozen.set(root.pid, root);
    // SIGSTOP takes effect when the target is next scheduled, not when kill() returns: wait (briefly) until the
    // kernel shows it stopped, so the explanation never races the tool's own output.
    await untilStopped(target.pid);
    try {
      explain?.();
    } catch {
      // The explanation is a courtesy; failing to write it must not stop enforcement.
    }
    // A child may have been forked between two reads; a few rounds until no new descendant appears.
    for (let round = 0; round < 3; round++) {
      const found = (await this.source.descendants(target.pid)).filter((d) => !frozen.has(d.pid));
      if (!found.length) break;
      for (const d of found) {
        const now = await this.signalVerified(d, 'SIGSTOP', outcome, { root: root.pid, frozen });
        if (now) frozen.set(d.pid, now);
      }
    }
    await relays?.untilParentNoticed();
    // Deepest first: while a process is killed its parent is still frozen, so no child is reparented midway.
    for (const p of [...frozen.values()].reverse()) {
      if (await this.signalVerified(p, 'SIGKILL', outcome)) {
        outcome.killed.push(p);
        if (p.pid === target.pid) outcome.stopped = true;
      }
    }
    if (relays) outcome.resumed = this.resumeRelays(relays, new Set(frozen.keys()));
    return outcome;
  }

  private async resumeRelays(relays: RelayedStops, frozen: ReadonlySet<number>): Promise<ProcessIdentity[]> {
    const watch = this.watches < MAX_WATCHES;
    if (watch) this.watches++;
    try {
      return await relays.resume(this.send, (pid) => this.refusal(pid) !== null, frozen, watch ? undefined : 0);
    } catch {
      return [];
    } finally {
      if (watch) this.watches--;
    }
  }

  /**
   * Sends the signal if the pid is still the process `p` (and, with `chain`, still a descendant of the frozen
   * root through processes frozen before it). Returns the identity as read right before the signal, or null.
   */
  private async signalVerified(p: ProcessIdentity, signal: NodeJS.Signals, outcome: StopOutcome, chain?: Chain): Promise<ProcessIdentity | null> {
    const refusal = this.refusal(p.pid);
    if (refusal) {
      outcome.spared.push({ pid: p.pid, why: refusal });
      return null;
    }
    const now = await this.source.identity(p.pid);
    if (!sameProcess(p, now)) {
      outcome.spared.push({ pid: p.pid, why: now ? 'identity changed (pid reused or exec)' : 'already gone' });
      return null;
    }
    const broken = chain ? await this.brokenLink(now.ppid, chain) : null;
    if (broken) {
      outcome.spared.push({ pid: p.pid, why: broken });
      return null;
    }
    try {
      this.send(p.pid, signal);
      const { ppid: _ppid, ...identity } = now;
      return identity;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      outcome.spared.push({ pid: p.pid, why: code === 'ESRCH' ? 'already gone' : `cannot signal: ${code ?? String(err)}` });
      return null;
    }
  }

  /** Walks up from a parent pid, each link read afresh, to the root; why the chain is broken, or null. */
  private async brokenLink(ppid: number, chain: Chain): Promise<string | null> {
    let pid = ppid;
    for (let hops = 0; hops <= chain.frozen.size; hops++) {
      const frozen = chain.frozen.get(pid);
      if (!frozen) return 'not a descendant of the stopped process (its parent is not one Cordon froze)';
      const now = await this.source.identity(pid);
      if (!sameProcess(frozen, now)) return `its parent ${pid} is no longer the process Cordon froze`;
      if (pid === chain.root) return null;
      pid = now.ppid;
    }
    return 'no chain of parents to the stopped process';
  }
}

interface Chain {
  root: number;
  frozen: ReadonlyMap<number, ProcessIdentity>;
}
