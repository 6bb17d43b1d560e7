// The watcher loop: every tick, the processes that appeared (or exec'd) are handed to identification once (off
// the event loop: agent/identification/), and the policy's verdict is carried out as it arrives — stop, warn, or
// record — within the agent's scope only. A tick never waits for a judgement: a process whose files hang cannot
// delay the next tick, nor the stop of a banned tool started meanwhile.
import { randomUUID } from 'node:crypto';
import type { Decision } from '../../policy/index.ts';
import { localeFromEnv } from '../../policy/localized-text.ts';
import type { AgentEvent, AgentEventType } from '../status-types.ts';
import { launchingTerminal } from '../process/launching-terminal.ts';
import { readLiveProcess } from '../process/live-process.ts';
import { readEnviron, readProcStat } from '../process/proc-fs.ts';
import type { ProcessSource, SeenProcess } from '../process/process-source.ts';
import type { UserDirectory } from '../process/user-directory.ts';
import type { ProcessStopper } from './process-stopper.ts';
import { composeNotice, writeNotice, type NoticeKind } from './terminal-notice.ts';

export interface GuardScope {
  /** Only processes of this uid (a user agent enforces on its own user's processes only). */
  uid?: number;
  /** Only descendants of this pid (tests, and trying Cordon out in one terminal). */
  underPid?: number;
}

export interface GuardOptions {
  source: ProcessSource;
  stopper: ProcessStopper;
  /** The policy's decision for a process (identification reads its files, off the event loop). */
  judge: (p: SeenProcess, user: string | undefined) => Promise<Decision | null>;
  users: UserDirectory;
  scope: GuardScope;
  record: (event: AgentEvent) => void;
  onError: (err: unknown) => void;
  /** Processes never to act on: the agent's loop stalled on them before (see stalled-processes.ts). */
  skip?: (p: SeenProcess) => boolean;
  /**
   * Told which process a decision is being carried out on (null when done), for the watchdog's stall record: a
   * stop still touches the process's files on this loop (its executable's identity, its terminal).
   */
  onActing?: (p: SeenProcess | null) => void;
}

const ARGV_MAX_ITEMS = 32;
const ARGV_MAX_CHARS = 512;

/** After an exec event, look at once and a few more times while the new program finishes loading (ms). */
const EXEC_FOLLOW_UP_MS = [2, 5, 10, 20, 40, 80, 160];

/** Where the process was set to send, when a `when: { endpoints }` rule was weighed: the event says why it held or not. */
function endpointDetail(d: Decision): Record<string, string> {
  const check = d.endpointCheck;
  if (!check?.found) return {};
  const out: Record<string, string> = { endpointRule: check.ruleId, endpointsAllowed: check.allowed.join(' ') };
  if (!check.found.known) return { ...out, endpointUnknown: check.found.reason };
  const shown = check.offending ?? check.found.endpoints[0];
  return shown ? { ...out, endpoint: shown.url, endpointSetIn: shown.where } : out;
}

export class ProcessGuard {
  private timer: NodeJS.Timeout | undefined;
  private followUp: NodeJS.Timeout | undefined;
  private followUpStep = 0;
  private running = false;
  private ticking: Promise<void> = Promise.resolve();
  private tickQueued = false;
  /** Processes handed to identification and not judged yet (pid, start time, program, argv). */
  private readonly judging = new Set<string>();
  /** Judgements still running, for `settled()`. */
  private readonly pending = new Set<Promise<void>>();
  /** Decisions are carried out one at a time, in the order they arrive. */
  private acting: Promise<unknown> = Promise.resolve();
  /** Health figures for status. */
  lastTickAt: number | undefined;
  processesSeen = 0;

  constructor(private readonly o: GuardOptions) {}

  private intervalMs = 100;

  /** A new interval applies from the next tick (a policy change, or the exec guard taking over detection). */
  setInterval(intervalMs: number): void {
    const sooner = intervalMs < this.intervalMs;
    this.intervalMs = intervalMs;
    if (sooner && this.running) {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.loop(), intervalMs);
    }
  }

  start(intervalMs: number): void {
    this.intervalMs = intervalMs;
    this.running = true;
    this.loop();
  }

  private loop(): void {
    if (!this.running) return;
    void this.runTick().finally(() => {
      // Scheduled after the tick ends, so a slow tick can never overlap the next.
      if (this.running) {
        clearTimeout(this.timer);
        this.timer = setTimeout(() => this.loop(), this.intervalMs);
      }
    });
  }

  /** Ticks run one at a time; a request while one is queued joins it. */
  private runTick(): Promise<void> {
    if (this.tickQueued) return this.ticking;
    this.tickQueued = true;
    this.ticking = this.ticking
      .then(() => {
        this.tickQueued = false;
        return this.tick();
      })
      .catch((err: unknown) => this.o.onError(err));
    return this.ticking;
  }

  /**
   * An exec event (the exec guard): the pid is looked at now and a few more times over the next ~300 ms, so a
   * script tool (`node cli.js`, allowed at exec time because it is `node`) is stopped within milliseconds.
   */
  execSeen(pid: number): void {
    if (!this.running) return;
    this.o.source.execHint?.(pid);
    this.followUpStep = 0;
    if (this.followUp) return;
    const next = () => {
      this.followUp = undefined;
      if (!this.running) return;
      void this.runTick();
      if (this.followUpStep < EXEC_FOLLOW_UP_MS.length) this.followUp = setTimeout(next, EXEC_FOLLOW_UP_MS[this.followUpStep++]);
    };
    this.followUp = setTimeout(next, 0);
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    clearTimeout(this.followUp);
    await this.ticking;
    await this.acting;
  }

  /**
   * Judges every running process again under the policy in force now (a new policy, a mode change, an
   * exception that expired or was revoked): what the new decision blocks is stopped, with its explanation;
   * what it allows is left alone. Runs between ticks, never during one.
   */
  rejudge(why: string): Promise<void> {
    const run = this.ticking.then(async () => {
      const judged: Promise<void>[] = [];
      for (const p of await this.o.source.running()) {
        if (!this.inScope(p)) continue;
        const user = this.o.users.nameOf(p.uid);
        judged.push(
          this.o.judge(p, user).then((decision) => {
            if (decision?.action === 'block' && decision.mode === 'enforce') return this.serially(() => this.act(p, user, decision, { rejudged: why }));
          }),
        );
      }
      await Promise.all(judged);
    });
    this.ticking = run.catch((err: unknown) => this.o.onError(err));
    return this.ticking;
  }

  /**
   * An interpreter process opened a tool's entry file (the exec guard's open reports): `node -e "import(…)"`,
   * `python3 -c "from aider.main import main"` name no script, so only what they load tells what they run.
   * Carried out like any decision, between ticks.
   */
  loaded(pid: number, d: Decision, path: string): Promise<void> {
    const run = this.ticking.then(async () => {
      const p = readLiveProcess(pid);
      if (!p || !this.inScope(p) || this.o.skip?.(p) || d.action === 'allow') return;
      const user = this.o.users.nameOf(p.uid);
      // What its argv already names (node …/cli.js) the watcher records; stopping is never left to wait for it.
      const stop = d.action === 'block' && d.mode === 'enforce';
      if (!stop && (await this.o.judge(p, user))?.toolId === d.toolId) return;
      await this.serially(() => this.act(p, user, d, { loaded: path }));
    });
    this.ticking = run.catch((err: unknown) => this.o.onError(err));
    return this.ticking;
  }

  /** One pass: poll, and hand what is new to identification; decisions are carried out as they arrive. */
  async tick(): Promise<void> {
    const seen = await this.o.source.poll();
    this.lastTickAt = Date.now();
    for (const p of seen) {
      this.processesSeen++;
      if (!this.inScope(p) || this.o.skip?.(p)) continue;
      const key = `${p.pid}\u0000${p.startTime}\u0000${p.exe}\u0000${p.argv.join('\u0000')}`;
      if (this.judging.has(key)) continue;
      this.judging.add(key);
      const user = this.o.users.nameOf(p.uid);
      const judged = this.o
        .judge(p, user)
        .then((decision) => {
          if (decision && decision.action !== 'allow') return this.serially(() => this.act(p, user, decision));
        })
        .catch((err: unknown) => this.o.onError(err))
        .finally(() => {
          this.judging.delete(key);
          this.pending.delete(judged);
        });
      this.pending.add(judged);
    }
  }

  /** Resolves when every judgement handed out so far has been carried out (or `timeoutMs` has passed). */
  async settled(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([Promise.all([...this.pending]), late]);
    clearTimeout(timer);
  }

  /** Runs one action after the ones before it: two decisions never stop processes at the same time. */
  private serially<T>(action: () => Promise<T>): Promise<T> {
    const run = this.acting.then(action).finally(() => this.o.onActing?.(null));
    this.acting = run.catch(() => undefined);
    return run;
  }

  inScope(p: SeenProcess): boolean {
    if (p.pid === process.pid) return false;
    const { uid, underPid } = this.o.scope;
    if (uid !== undefined && p.uid !== uid) return false;
    if (underPid !== undefined) {
      let pid: number | undefined = p.ppid;
      for (let hops = 0; pid !== undefined && pid > 1 && hops < 256; hops++) {
        if (pid === underPid) return true;
        // A process the watcher has not listed yet (re-judging between polls): ask the kernel.
        pid = this.o.source.parentOf(pid) ?? (process.platform === 'linux' ? readProcStat(pid)?.ppid : undefined);
      }
      return false;
    }
    return true;
  }

  /** Carries out a decision (a process its tree's stop already ended is found gone, and left without an event). */
  private async act(p: SeenProcess, user: string | undefined, d: Decision, extra: Record<string, string> = {}): Promise<void> {
    if (this.o.skip?.(p)) return;
    this.o.onActing?.(p);
    const enforce = d.mode === 'enforce';
    if (d.action === 'block' && enforce) {
      const outcome = await this.o.stopper.stopTree({ pid: p.pid, startTime: p.startTime, exe: p.exe }, () => this.notify(p, d, 'blocked'));
      const gone = outcome.spared.find((s) => s.pid === p.pid);
      if (!outcome.stopped && gone?.why === 'already gone') return; // exited by itself, or with its tree, before we got to it
      this.emit(outcome.stopped ? 'block' : 'block-failed', p, user, d, {
        children: outcome.killed.length - (outcome.stopped ? 1 : 0),
        ...(outcome.stopped ? {} : { why: gone?.why ?? 'unknown' }),
        ...extra,
      });
      return;
    }
    if (d.action === 'block') this.emit('would-block', p, user, d, {});
    else if (d.action === 'warn') {
      this.notify(p, d, 'warned');
      this.emit('warn', p, user, d, {});
    } else this.emit('audit', p, user, d, {});
  }

  private notify(p: SeenProcess, d: Decision, kind: NoticeKind): void {
    const terminal = launchingTerminal(p);
    if (!terminal) return;
    const locale = localeFromEnv(readEnviron(p.pid, ['LC_ALL', 'LC_MESSAGES', 'LANG']));
    writeNotice(terminal.path, terminal.ttyNr, composeNotice(d, kind, locale));
  }

  private emit(type: AgentEventType, p: SeenProcess, user: string | undefined, d: Decision, detail: Record<string, string | number | boolean>): void {
    const verb = { block: 'stopped', 'block-failed': 'could not stop', 'would-block': 'would have stopped (monitor mode)', warn: 'warned about', audit: 'recorded' }[type as string] ?? type;
    this.o.record({
      id: randomUUID(),
      type,
      at: new Date().toISOString(),
      toolId: d.toolId,
      toolName: d.toolName,
      pid: p.pid,
      ppid: p.ppid,
      processStartTime: p.startTime,
      exe: p.exe ?? undefined,
      argv: p.argv.slice(0, ARGV_MAX_ITEMS).map((a) => (a.length > ARGV_MAX_CHARS ? `${a.slice(0, ARGV_MAX_CHARS)}…` : a)),
      user,
      tty: p.tty,
      ruleId: d.ruleId ?? undefined,
      evidence: `${d.identification.evidence}: ${d.identification.detail}`,
      message: `${verb} ${d.toolName} (pid ${p.pid}${user ? `, user ${user}` : ''})`,
      detail: { mode: d.mode, action: d.action, ...endpointDetail(d), ...detail },
    });
  }
}
