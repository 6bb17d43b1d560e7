// The judge thread's handle on its scan lane (exec-scan-worker.ts): hands it large first scans, keeps at most
// MAX_WAITING of them in flight, and says when it cannot take one (not started, ended, full): the judge then
// answers by its fail-open/closed rule rather than stall every other verdict behind the scan.
import type { Worker } from 'node:worker_threads';
import type { CompiledPolicy, DeviceContext, Identification } from '../../policy/index.ts';
import { startWorkerThread } from '../worker-entry.ts';
import type { ExecQuestion, OpenedFile } from './exec-guard-protocol.ts';
import type { FromScanLane, LaneVerdict, ScanLaneData, ToScanLane } from './scan-lane-messages.ts';

/** Large first scans waiting at once; more are answered by the fail-open/closed rule (the helper's deadline would anyway). */
const MAX_WAITING = 16;

type Reply = Extract<FromScanLane, { kind: 'verdict' | 'opened' }>;

export class ExecScanLane {
  private ready = false;
  private ended = false;
  private nextId = 1;
  private readonly waiting = new Map<number, (m: Reply | null) => void>();

  private constructor(private readonly worker: Worker) {
    worker.on('message', (m: FromScanLane) => {
      if (m.kind === 'ready') this.ready = true;
      else {
        this.waiting.get(m.id)?.(m);
        this.waiting.delete(m.id);
      }
    });
    const end = () => {
      this.ended = true;
      for (const reply of this.waiting.values()) reply(null);
      this.waiting.clear();
    };
    worker.on('error', end);
    worker.on('exit', end);
  }

  /** Starts the lane; undefined when its thread cannot start (the judge then scans large files itself). */
  static start(data: ScanLaneData): ExecScanLane | undefined {
    try {
      return new ExecScanLane(startWorkerThread(import.meta.url, 'exec-scan-worker', data));
    } catch {
      return undefined;
    }
  }

  /** Can the lane take another scan now? */
  get open(): boolean {
    return this.ready && !this.ended && this.waiting.size < MAX_WAITING;
  }

  judge(q: ExecQuestion, helperPid: number): Promise<{ verdict: LaneVerdict | null; found?: Identification | null }> {
    return this.ask({ kind: 'question', id: this.nextId++, q, helperPid }).then((m) => (m?.kind === 'verdict' ? { verdict: m.verdict, found: m.found } : { verdict: null }));
  }

  opened(o: OpenedFile, helperPid: number): Promise<Extract<Reply, { kind: 'opened' }> | null> {
    return this.ask({ kind: 'opened', id: this.nextId++, o, helperPid }).then((m) => (m?.kind === 'opened' ? m : null));
  }

  setPolicy(policy: CompiledPolicy, device: DeviceContext): void {
    if (!this.ended) this.worker.postMessage({ kind: 'policy', policy, device } satisfies ToScanLane);
  }

  async stop(): Promise<void> {
    await this.worker.terminate();
  }

  private ask(m: Extract<ToScanLane, { id: number }>): Promise<Reply | null> {
    return new Promise((resolve) => {
      this.waiting.set(m.id, resolve);
      this.worker.postMessage(m);
    });
  }
}
