// Identification off the agent's event loop: a small pool of threads (identification-worker.ts), each judging one
// process at a time. A file access that has not returned after `readTimeoutMs` (a read the kernel itself blocks:
// a hung FUSE mount with allow_other, a hard NFS mount) makes the pool name the path, refuse that place
// (hung-place.ts) and judge the process again on another thread by what else is known. The stuck thread cannot
// be cancelled (nothing interrupts a thread inside a read), so it is abandoned; at most `maxStuck` may be, and
// the bound is what keeps a user with many hung mounts from costing the agent a thread each without end. When it
// is reached no thread replaces a stuck one; once no thread is left, processes are judged on the main thread
// from what needs no file (argv, launchers, path shapes) until a stuck read returns and frees its place.
import type { Worker } from 'node:worker_threads';
import type { CompiledPolicy, Decision, DeviceContext } from '../../policy/index.ts';
import { Matcher } from '../../policy/matcher.ts';
import { startWorkerThread } from '../worker-entry.ts';
import { AccessRecord } from './access-record.ts';
import { hungPlace, type HungPlace } from './hung-place.ts';
import type { FromIdentifier, ObservedProcess, RefusedPlaces, ToIdentifier } from './identification-messages.ts';
import { NoReadProbe } from './no-read-probe.ts';

export interface HungRead {
  process: ObservedProcess;
  place: HungPlace;
  /** Threads stuck in the kernel now, this one included. */
  stuck: number;
  /** No thread replaces this one: `maxStuck` threads are stuck. */
  boundReached: boolean;
  /** The process is judged again without the place (false: it was tried `MAX_ATTEMPTS` times and stays unjudged). */
  retried: boolean;
}

export interface IdentificationPoolOptions {
  policy: CompiledPolicy;
  device: DeviceContext;
  size?: number;
  readTimeoutMs?: number;
  maxStuck?: number;
  /** A read that did not return in time: what hung, for an event naming the path. */
  onHung: (h: HungRead) => void;
  /** A health problem to show (undefined: none any more). */
  onProblem: (text: string | undefined) => void;
}

export const DEFAULT_POOL_SIZE = 2;
export const DEFAULT_READ_TIMEOUT_MS = 3000;
export const DEFAULT_MAX_STUCK = 4;
/** A process whose judgement hung this many times (each on a new place) is left unjudged. */
const MAX_ATTEMPTS = 3;
/** Beyond this many processes waiting, new ones are refused rather than held without bound. */
const MAX_QUEUE = 8192;
const CHECK_MS = 250;

interface Job {
  id: number;
  process: ObservedProcess;
  attempts: number;
  resolve: (d: Decision | null) => void;
}

interface Lane {
  worker: Worker;
  record: AccessRecord;
  ready: boolean;
  job?: Job;
  lastSeq: number;
  since: number;
  stuck: boolean;
  /** What this lane hung on: refused until its read returns. */
  place?: HungPlace;
}

export class IdentificationPool {
  private readonly lanes = new Set<Lane>();
  private readonly queue: Job[] = [];
  private nextId = 1;
  private policy: CompiledPolicy;
  private device: DeviceContext;
  private noReadMatcher: Matcher | undefined;
  private readonly timer: NodeJS.Timeout;
  private stopping = false;
  private readonly size: number;
  private readonly readTimeoutMs: number;
  private readonly maxStuck: number;
  /** Threads that ended before they were ready, in a row: a broken build must not restart threads for ever. */
  private failedStarts = 0;
  private readonly readyWaiters: (() => void)[] = [];
  /** Counters for status and tests. */
  readonly counts = { judged: 0, hung: 0, unjudged: 0, judgedWithoutFiles: 0 };

  constructor(private readonly o: IdentificationPoolOptions) {
    this.policy = o.policy;
    this.device = o.device;
    this.size = o.size ?? DEFAULT_POOL_SIZE;
    this.readTimeoutMs = o.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS;
    this.maxStuck = o.maxStuck ?? DEFAULT_MAX_STUCK;
    // One thread to start with; the others follow one at a time (see onMessage), so start-ups do not compete.
    this.addLane();
    this.timer = setInterval(() => this.checkReads(), CHECK_MS);
    this.timer.unref();
  }

  /** Threads stuck in a kernel read: the process cannot exit normally while any is (see cordon agent). */
  get stuck(): number {
    let n = 0;
    for (const lane of this.lanes) if (lane.stuck) n++;
    return n;
  }

  private get live(): Lane[] {
    return [...this.lanes].filter((l) => !l.stuck);
  }

  /** Resolves once a thread can judge (or none can start, and processes are judged by what needs no file). */
  ready(): Promise<void> {
    if (this.live.length === 0 || this.live.some((l) => l.ready)) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  /** The policy's decision for the process; null when no tool, allowed, or it could not be judged (reported). */
  identify(process: ObservedProcess): Promise<Decision | null> {
    if (this.stopping) return Promise.resolve(null);
    if (this.queue.length >= MAX_QUEUE) {
      this.counts.unjudged++;
      this.o.onProblem(`identification: more than ${MAX_QUEUE} processes waiting; pid ${process.pid} was not judged`);
      return Promise.resolve(null);
    }
    return new Promise((resolve) => {
      this.queue.push({ id: this.nextId++, process, attempts: 0, resolve });
      this.dispatch();
    });
  }

  setPolicy(policy: CompiledPolicy, device: DeviceContext): void {
    this.policy = policy;
    this.device = device;
    this.noReadMatcher = undefined;
    for (const lane of this.live) lane.worker.postMessage({ kind: 'policy', policy, device } satisfies ToIdentifier);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    for (const job of this.queue.splice(0)) job.resolve(null);
    const ending: Promise<number>[] = [];
    for (const lane of this.lanes) {
      lane.job?.resolve(null);
      // A stuck thread ends only when its read returns: it is not waited for.
      if (lane.stuck) void lane.worker.terminate();
      else ending.push(lane.worker.terminate());
    }
    await Promise.all(ending);
  }

  private refused(): RefusedPlaces {
    const mounts: string[] = [];
    const files: string[] = [];
    for (const lane of this.lanes) {
      if (!lane.place) continue;
      if (lane.place.mount) mounts.push(lane.place.mount);
      else files.push(lane.place.file);
    }
    return { mounts, files };
  }

  private addLane(): void {
    const record = new AccessRecord();
    let worker: Worker;
    try {
      worker = startWorkerThread(import.meta.url, 'identification-worker', { policy: this.policy, device: this.device, refused: this.refused(), shared: record.shared });
    } catch (err) {
      this.o.onProblem(`identification threads cannot start (${(err as Error).message}); processes are judged by what needs no file`);
      return;
    }
    const lane: Lane = { worker, record, ready: false, lastSeq: 0, since: 0, stuck: false };
    this.lanes.add(lane);
    worker.on('message', (m: FromIdentifier) => this.onMessage(lane, m));
    worker.on('error', () => this.onExit(lane));
    worker.on('exit', () => this.onExit(lane));
  }

  private onMessage(lane: Lane, m: FromIdentifier): void {
    if (m.kind === 'ready') {
      lane.ready = true;
      this.failedStarts = 0;
      for (const resolve of this.readyWaiters.splice(0)) resolve();
      // The spare is started once this one is up (never two start-ups at once): when a read hangs, the other
      // thread is already there to go on judging.
      if (!this.stopping && this.live.length < this.size && this.stuck < this.maxStuck && this.live.every((l) => l.ready)) this.addLane();
      this.dispatch();
      return;
    }
    if (lane.stuck) {
      // The read that hung has returned: the place is readable again and the thread can go.
      this.retire(lane);
      return;
    }
    const job = lane.job;
    lane.job = undefined;
    if (job && job.id === m.id) {
      this.counts.judged++;
      job.resolve(m.kind === 'decision' ? m.decision : null);
    }
    this.dispatch();
  }

  private onExit(lane: Lane): void {
    if (!this.lanes.has(lane)) return;
    const wasStuck = lane.stuck;
    this.lanes.delete(lane);
    const job = lane.job;
    lane.job = undefined;
    if (job) this.queue.unshift(job);
    if (wasStuck) this.sendRefused();
    if (!lane.ready && ++this.failedStarts >= 3) {
      this.o.onProblem('identification threads end as they start; processes are judged by what needs no file');
      for (const resolve of this.readyWaiters.splice(0)) resolve();
    }
    else if (!this.stopping && this.live.length < this.size && this.stuck < this.maxStuck) this.addLane();
    this.dispatch();
  }

  private retire(lane: Lane): void {
    this.lanes.delete(lane);
    void lane.worker.terminate();
    this.sendRefused();
    if (!this.stuck) this.o.onProblem(undefined);
    if (!this.stopping && this.live.length < this.size) this.addLane();
    this.dispatch();
  }

  private sendRefused(): void {
    const refused = this.refused();
    for (const lane of this.live) lane.worker.postMessage({ kind: 'refuse', refused } satisfies ToIdentifier);
  }

  private dispatch(): void {
    if (this.stopping) return;
    for (const lane of this.live) {
      if (!this.queue.length) return;
      if (!lane.ready || lane.job) continue;
      const job = this.queue.shift()!;
      lane.job = job;
      lane.lastSeq = lane.record.seq;
      lane.since = Date.now();
      lane.worker.postMessage({ kind: 'identify', id: job.id, process: job.process } satisfies ToIdentifier);
    }

    // No thread left, and none may be started: judge by what needs no file rather than not at all.
    if (this.queue.length && this.live.length === 0) {
      this.noReadMatcher ??= new Matcher(this.policy, this.device, new NoReadProbe());
      for (const job of this.queue.splice(0)) {
        this.counts.judgedWithoutFiles++;
        job.resolve(this.noReadMatcher.matchProcess({ ...job.process }));
      }
    }
  }

  /** A thread inside the same file access for `readTimeoutMs` is blocked in the kernel: give up on it. */
  private checkReads(): void {
    const now = Date.now();
    for (const lane of this.live) {
      if (!lane.job) continue;
      const seq = lane.record.seq;
      if (seq !== lane.lastSeq) {
        lane.lastSeq = seq;
        lane.since = now;
      } else if (lane.record.inAccess && now - lane.since >= this.readTimeoutMs) this.abandon(lane);
    }
  }

  private abandon(lane: Lane): void {
    const job = lane.job!;
    lane.job = undefined;
    lane.stuck = true;
    lane.place = hungPlace(lane.record.path);
    this.counts.hung++;
    this.sendRefused();
    job.attempts++;
    const retried = job.attempts < MAX_ATTEMPTS;
    if (retried) this.queue.unshift(job);
    else {
      this.counts.unjudged++;
      job.resolve(null);
    }
    const stuck = this.stuck;
    const boundReached = stuck >= this.maxStuck;
    if (!boundReached && this.live.length < this.size) this.addLane();
    this.o.onHung({ process: job.process, place: lane.place, stuck, boundReached, retried });
    const where = [...this.lanes].filter((l) => l.stuck).map((l) => l.place!.mount ?? l.place!.file);
    this.o.onProblem(
      `identification: ${stuck} read${stuck === 1 ? '' : 's'} stuck in the kernel (${where.join(', ')}); those places are not read until the reads return` +
        (boundReached ? `; the bound of ${this.maxStuck} stuck threads is reached, so no thread replaces them and processes are judged by what needs no file once none is left` : ''),
    );
    this.dispatch();
  }
}
