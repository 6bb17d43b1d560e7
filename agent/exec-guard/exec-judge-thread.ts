// The main thread's handle on the exec-judge worker (exec-judge-worker.ts): starts it (worker-entry.ts), relays
// what it reports, and passes policy changes on.
import type { Worker } from 'node:worker_threads';
import type { CompiledPolicy, Decision, DeviceContext } from '../../policy/index.ts';
import type { ExecQuestion, HelperMessage } from './exec-guard-protocol.ts';
import type { ExecCaller } from './exec-judge.ts';
import type { FromWorker, JudgeThreadData, ToWorker } from './judge-thread-messages.ts';
import { startWorkerThread } from '../worker-entry.ts';

const READY_TIMEOUT_MS = 15_000;

export interface JudgeThreadEvents {
  onExec: (pid: number) => void;
  onFallback: (m: Extract<HelperMessage, { kind: 'fallback' }>) => void;
  onPrevented: (q: ExecQuestion, decision: Decision, user: string | undefined, caller: ExecCaller) => void;
  onLoaded: (pid: number, path: string, decision: Decision) => void;
  onExit: (why: string) => void;
}

type Stats = Extract<FromWorker, { kind: 'stats' }>['stats'];

export class ExecJudgeThread {
  marks: { ok: boolean; fsType: string; where: string; error?: string }[] = [];
  pid = 0;
  private exited = false;
  private stopping = false;
  private readonly statsWaiters: ((s: Stats) => void)[] = [];

  private constructor(
    private readonly worker: Worker,
    private readonly events: JudgeThreadEvents,
  ) {}

  static start(data: JudgeThreadData, events: JudgeThreadEvents): Promise<ExecJudgeThread> {
    const worker = startWorkerThread(import.meta.url, 'exec-judge-worker', data);
    const thread = new ExecJudgeThread(worker, events);
    return new Promise((resolve, reject) => {
      let ready = false;
      const fail = (why: string): void => {
        clearTimeout(timer);
        if (!ready) {
          void worker.terminate();
          reject(new Error(why));
        } else if (!thread.exited) {
          thread.exited = true;
          if (!thread.stopping) events.onExit(why);
        }
      };
      const timer = setTimeout(() => fail(`the exec judge thread did not start in ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS);
      worker.on('error', (err) => fail(`the exec judge thread failed: ${err.message}`));
      worker.on('exit', (code) => fail(`the exec judge thread exited (code ${code})`));
      worker.on('message', (m: FromWorker) => {
        switch (m.kind) {
          case 'ready':
            ready = true;
            clearTimeout(timer);
            thread.pid = m.helperPid;
            thread.marks = m.marks;
            resolve(thread);
            break;
          case 'start-failed':
            fail(m.message);
            break;
          case 'exit':
            fail(m.why);
            void worker.terminate();
            break;
          default:
            thread.handle(m);
        }
      });
    });
  }

  private handle(m: FromWorker): void {
    switch (m.kind) {
      case 'exec':
        this.events.onExec(m.pid);
        break;
      case 'fallback':
        this.events.onFallback(m.m);
        break;
      case 'prevented':
        this.events.onPrevented(m.q, m.decision, m.user, m.caller);
        break;
      case 'loaded':
        this.events.onLoaded(m.pid, m.path, m.decision);
        break;
      case 'stats':
        this.statsWaiters.shift()?.(m.stats);
        break;
      default:
        break;
    }
  }

  private send(m: ToWorker): void {
    if (!this.exited) this.worker.postMessage(m);
  }

  setPolicy(policy: CompiledPolicy, device: DeviceContext, failClosed: boolean): void {
    this.send({ kind: 'policy', policy, device, failClosed });
  }

  flush(): void {
    this.send({ kind: 'flush' });
  }

  protect(paths: readonly string[]): void {
    this.send({ kind: 'protect', paths });
  }

  stats(): Promise<Stats> {
    return new Promise((resolve) => {
      this.statsWaiters.push(resolve);
      this.send({ kind: 'stats' });
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.send({ kind: 'stop' });
    const timer = setTimeout(() => void this.worker.terminate(), 3000);
    await gone;
    clearTimeout(timer);
  }
}
