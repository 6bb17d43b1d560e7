// Which detection engine is in force, and why: the fanotify exec guard (prevention, event-driven detection,
// /proc as a slow backstop) where it can run — Linux, root, fanotify permission events, the helper built — and
// plain polling everywhere else. A helper that dies is restarted; meanwhile polling is back at full rate.
import { existsSync } from 'node:fs';
import { EXEC_GUARD_BINARY } from './exec-guard-binary.ts';
import type { CompiledPolicy, DeviceContext } from '../../policy/index.ts';
import { ExecJudgeThread, type JudgeThreadEvents } from './exec-judge-thread.ts';
import type { HelperMessage } from './exec-guard-protocol.ts';
import { trustedExecutables } from './trusted-executables.ts';

export interface EngineInfo {
  /** `fanotify` when the exec guard is in force, else the polling watcher's kind. */
  kind: string;
  /** True when banned executables are denied before they run. */
  prevention: boolean;
  why: string;
}

export interface ExecEngineOptions {
  /** off: never start the exec guard (`--exec-guard off`). */
  enabled: boolean;
  /** The polling watcher's kind (procfs, ps, systeminformation) and whether the user chose it. */
  watcher: string;
  watcherChosen: boolean;
  /** Only the machine-wide agent (the root service) guards execs; a per-user agent must not judge others'. */
  machineScope: boolean;
  scopePid?: number;
  failClosed: boolean;
  deadlineMs: number;
  largeDeadlineMs: number;
  /** The policy the judge thread decides with (its own Matcher is built from it). */
  policy: () => { policy: CompiledPolicy; device: DeviceContext };
  /** Judge what interpreter processes open (node -e "import('…/cli.js')", python -c …). */
  watchOpens: boolean;
  onPrevented: JudgeThreadEvents['onPrevented'];
  /** An interpreter process loaded a catalogued tool's entry file. */
  onLoaded: JudgeThreadEvents['onLoaded'];
  /** An exec went through: look at the pid now (event-driven detection). */
  onExec: (pid: number) => void;
  onFallback: (m: Extract<HelperMessage, { kind: 'fallback' }>) => void;
  /** The engine changed (the helper died, or came back). */
  onChange: (info: EngineInfo) => void;
  binary?: string;
}

export const DEFAULT_DEADLINE_MS = 40;
export const DEFAULT_LARGE_DEADLINE_MS = 2000;
const RESTART_DELAY_MS = 5000;

export class ExecEngine {
  info: EngineInfo;
  private helper: ExecJudgeThread | undefined;
  /** The files to protect, kept to re-apply after a restart of the helper. */
  private protectedPaths: readonly string[] = [];
  private restartTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  private constructor(private readonly o: ExecEngineOptions) {
    this.info = { kind: o.watcher, prevention: false, why: '' };
  }

  static async start(o: ExecEngineOptions): Promise<ExecEngine> {
    const engine = new ExecEngine(o);
    const notPossible = engine.whyNot();
    if (notPossible) engine.info = { kind: o.watcher, prevention: false, why: notPossible };
    else await engine.launch();
    return engine;
  }

  /** Why the exec guard cannot run here, or null when it can be tried. */
  private whyNot(): string | null {
    const o = this.o;
    if (!o.enabled) return `${o.watcher} polling: the exec guard is turned off (--exec-guard off)`;
    if (process.platform !== 'linux') return `${o.watcher} polling: exec prevention uses fanotify, which only Linux has`;
    if (!o.machineScope) return `${o.watcher} polling: exec prevention runs in the machine-wide agent service only, not in a per-user agent`;
    if (o.watcherChosen && o.watcher !== 'procfs') return `${o.watcher} polling, chosen with --watcher`;
    if (process.getuid?.() !== 0) return `${o.watcher} polling: exec prevention needs root (fanotify permission events); this agent runs as uid ${process.getuid?.()}`;
    const binary = o.binary ?? EXEC_GUARD_BINARY;
    if (!existsSync(binary)) return `${o.watcher} polling: the exec guard helper ${binary} is not built (npm run build:exec-guard)`;
    return null;
  }

  private async launch(): Promise<void> {
    const o = this.o;
    try {
      const { policy, device } = o.policy();
      this.helper = await ExecJudgeThread.start(
        {
          binary: o.binary ?? EXEC_GUARD_BINARY,
          deadlineMs: o.deadlineMs,
          largeDeadlineMs: o.largeDeadlineMs,
          failClosed: o.failClosed,
          scopePid: o.scopePid,
          trustedExecutables: trustedExecutables(),
          watchOpens: o.watchOpens,
          policy,
          device,
        },
        { onExec: o.onExec, onFallback: o.onFallback, onPrevented: o.onPrevented, onLoaded: o.onLoaded, onExit: (why) => this.lost(why) },
      );
      if (this.protectedPaths.length) this.helper.protect(this.protectedPaths);
      const marked = this.helper.marks.filter((m) => m.ok).map((m) => m.where);
      this.info = {
        kind: 'fanotify',
        prevention: true,
        why: this.describe(marked),
      };
    } catch (err) {
      this.helper = undefined;
      this.info = { kind: o.watcher, prevention: false, why: `${o.watcher} polling: the exec guard could not start: ${(err as Error).message}` };
    }
  }

  private describe(marked: string[]): string {
    const o = this.o;
    return `fanotify exec guard on ${marked.length} filesystem(s) (${marked.slice(0, 8).join(', ')}), deadline ${o.deadlineMs} ms (${o.largeDeadlineMs} ms for a new file over 8 MiB), fail-${o.failClosed ? 'closed' : 'open'}${o.watchOpens ? ', judging what interpreters open' : ''}, judged off the main thread; ${o.watcher} as a slow backstop`;
  }

  private lost(why: string): void {
    this.helper = undefined;
    this.info = { kind: this.o.watcher, prevention: false, why: `${this.o.watcher} polling: ${why}; restarting it` };
    this.o.onChange(this.info);
    if (this.stopped) return;
    this.restartTimer = setTimeout(() => {
      void this.launch().then(() => {
        if (!this.stopped) this.o.onChange(this.info);
        else void this.helper?.stop();
      });
    }, RESTART_DELAY_MS);
    this.restartTimer.unref();
  }

  get active(): boolean {
    return this.helper !== undefined;
  }

  get helperPid(): number | undefined {
    return this.helper?.pid;
  }

  /** Verdicts may have changed (policy, mode, an exception ending): the helper forgets its cache. */
  flush(): void {
    this.helper?.flush();
  }

  /** A new policy (or device context, or fail-closed choice): the judge decides with it from now on. */
  setPolicy(policy: CompiledPolicy, device: DeviceContext, failClosed: boolean): void {
    if (failClosed !== this.o.failClosed && this.helper) this.info = { ...this.info, why: this.info.why.replace(/fail-(open|closed)/, `fail-${failClosed ? 'closed' : 'open'}`) };
    this.o.failClosed = failClosed;
    this.helper?.setPolicy(policy, device, failClosed);
  }

  /** Entry files of banned tools found installed: interpreters must ask before opening them. */
  protect(paths: readonly string[]): void {
    this.protectedPaths = paths;
    this.helper?.protect(paths);
  }

  stats() {
    return this.helper?.stats();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    await this.helper?.stop();
    this.helper = undefined;
  }
}
