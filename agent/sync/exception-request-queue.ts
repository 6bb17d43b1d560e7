// Exception requests this device has filed, kept on disk: those the server has (with their latest status) and
// those raised while offline, waiting to be sent. Written atomically, so a request once acknowledged to the
// employee is not lost to a crash.
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../policy/index.ts';
import type { ExceptionRequestInfo } from '../status-types.ts';

export interface QueuedExceptionRequest {
  /** The local id shown to the employee until the server assigns one. */
  localId: string;
  toolId: string;
  reason: string;
  days: number;
  user: string;
  requestedAt: string;
}

interface Stored {
  requests: ExceptionRequestInfo[];
  queued: QueuedExceptionRequest[];
}

export class ExceptionRequestQueue {
  private state: Stored = { requests: [], queued: [] };
  problem: string | undefined;

  constructor(private readonly file: string) {
    try {
      const value = JSON.parse(readFileSync(file, 'utf8')) as Stored;
      if (Array.isArray(value.requests) && Array.isArray(value.queued)) this.state = value;
      else this.problem = `${file} is not an exception request list; started afresh`;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.problem = `cannot read ${file} (${(err as Error).message}); started afresh`;
    }
  }

  get queued(): readonly QueuedExceptionRequest[] {
    return this.state.queued;
  }

  /** Everything to show: the server's view of each request, then the ones still waiting to be sent. */
  all(): ExceptionRequestInfo[] {
    const waiting = this.state.queued.map((q): ExceptionRequestInfo => ({ id: q.localId, toolId: q.toolId, reason: q.reason, days: q.days, requestedAt: q.requestedAt, status: 'queued' }));
    return [...this.state.requests, ...waiting];
  }

  enqueue(q: QueuedExceptionRequest): void {
    this.state.queued.push(q);
    this.save();
  }

  /** A request the server now holds: replaces its queued copy, if any. */
  filed(info: ExceptionRequestInfo, localId?: string): void {
    this.state.queued = this.state.queued.filter((q) => q.localId !== localId);
    this.state.requests = [...this.state.requests.filter((r) => r.id !== info.id), info];
    this.save();
  }

  /** The server refused a queued request for good (e.g. an unknown tool): keep it visible with why. */
  refused(localId: string, why: string): void {
    const q = this.state.queued.find((r) => r.localId === localId);
    if (!q) return;
    this.state.queued = this.state.queued.filter((r) => r.localId !== localId);
    this.state.requests.push({ id: localId, toolId: q.toolId, reason: q.reason, days: q.days, requestedAt: q.requestedAt, status: 'denied', note: `the server refused the request: ${why}` });
    this.save();
  }

  /** The server's current list replaces what we knew (it has the decisions); local refusals stay. */
  replaceFiled(requests: ExceptionRequestInfo[]): void {
    const serverIds = new Set(requests.map((r) => r.id));
    const localOnly = this.state.requests.filter((r) => !serverIds.has(r.id) && r.note?.startsWith('the server refused'));
    this.state.requests = [...requests, ...localOnly];
    this.save();
  }

  /** A full disk must not turn a filed request into an error for the employee: kept in memory, and said. */
  private save(): void {
    try {
      writeFileAtomic(this.file, `${JSON.stringify(this.state)}\n`, 0o600);
      this.problem = undefined;
    } catch (err) {
      this.problem = `cannot save exception requests to ${this.file} (${(err as Error).message}); kept in memory until it can`;
    }
  }
}
