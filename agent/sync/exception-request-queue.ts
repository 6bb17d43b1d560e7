// Exception requests this device has filed, kept on disk: those the server has (with their latest status) and
// those raised while offline, waiting to be sent, each with the user who filed it (the server's list does not
// say, and one user must not see another's). Bounded per user and in total, since any local user can file;
// writes are coalesced (one atomic write for a burst) and a request is answered only once it is on disk, so a
// request acknowledged to the employee is not lost to a crash.
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../policy/atomic-file.ts';
import type { OwnedExceptionRequest } from '../status-caller.ts';
import type { ExceptionRequestInfo } from '../status-types.ts';

export interface QueuedExceptionRequest {
  /** The local id shown to the employee until the server assigns one. */
  localId: string;
  toolId: string;
  reason: string;
  days: number;
  user: string;
  requestedAt: string;
  /** Times the server answered "not now" (429, 5xx); past MAX_SEND_ATTEMPTS the request is given up. */
  attempts?: number;
}

interface Stored {
  requests: ExceptionRequestInfo[];
  queued: QueuedExceptionRequest[];
  /** Request id → the user who filed it here. */
  owners?: Record<string, string>;
}

export const MAX_QUEUED_PER_USER = 5;
export const MAX_QUEUED = 50;
/** Requests remembered with their status (the server lists at most 200; local refusals come on top). */
const MAX_KNOWN = 400;
const WRITE_DELAY_MS = 20;

/** The queue has no room for this user's request: said to the caller as a 429. */
export class ExceptionQueueFull extends Error {}

export class ExceptionRequestQueue {
  private state: Stored = { requests: [], queued: [], owners: {} };
  private timer: NodeJS.Timeout | undefined;
  private waiting: (() => void)[] = [];
  problem: string | undefined;

  constructor(private readonly file: string) {
    try {
      const value = JSON.parse(readFileSync(file, 'utf8')) as Stored;
      if (Array.isArray(value.requests) && Array.isArray(value.queued)) this.state = { ...value, owners: value.owners ?? {} };
      else this.problem = `${file} is not an exception request list; started afresh`;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.problem = `cannot read ${file} (${(err as Error).message}); started afresh`;
    }
  }

  get queued(): readonly QueuedExceptionRequest[] {
    return this.state.queued;
  }

  /** Everything to show, each with its user where known: the server's view of each request, then the ones still waiting. */
  all(): OwnedExceptionRequest[] {
    const owners = this.state.owners ?? {};
    const waiting = this.state.queued.map((q): OwnedExceptionRequest => ({ id: q.localId, toolId: q.toolId, reason: q.reason, days: q.days, requestedAt: q.requestedAt, status: 'queued', user: q.user }));
    return [...this.state.requests.map((r) => ({ ...r, user: owners[r.id] })), ...waiting];
  }

  /** Throws ExceptionQueueFull when this user, or the device, already has as many waiting as allowed. */
  checkRoom(user: string): void {
    const mine = this.state.queued.filter((q) => q.user === user).length;
    if (mine >= MAX_QUEUED_PER_USER)
      throw new ExceptionQueueFull(`you already have ${mine} requests waiting for the Cordon server (at most ${MAX_QUEUED_PER_USER}); they are sent when it can be reached`);
    if (this.state.queued.length >= MAX_QUEUED)
      throw new ExceptionQueueFull(`this device already has ${this.state.queued.length} requests waiting for the Cordon server (at most ${MAX_QUEUED}); try again once it can be reached`);
  }

  /** Resolves once the request is on disk (or, on a full disk, kept in memory and said in `problem`). */
  enqueue(q: QueuedExceptionRequest): Promise<void> {
    this.checkRoom(q.user);
    this.state.queued.push(q);
    return this.save();
  }

  /** A request the server now holds: replaces its queued copy, if any. */
  filed(info: ExceptionRequestInfo, user: string, localId?: string): void {
    this.state.queued = this.state.queued.filter((q) => q.localId !== localId);
    this.state.requests = [...this.state.requests.filter((r) => r.id !== info.id), info];
    this.state.owners = { ...this.state.owners, [info.id]: user };
    void this.save();
  }

  /** The server said "not now" to a queued request; returns how many times it has. */
  failedAttempt(localId: string): number {
    const q = this.state.queued.find((r) => r.localId === localId);
    if (!q) return 0;
    q.attempts = (q.attempts ?? 0) + 1;
    void this.save();
    return q.attempts;
  }

  /** The server refused a queued request for good (e.g. an unknown tool), or it was given up: keep it visible with why. */
  refused(localId: string, why: string): void {
    const q = this.state.queued.find((r) => r.localId === localId);
    if (!q) return;
    this.state.queued = this.state.queued.filter((r) => r.localId !== localId);
    this.state.requests.push({ id: localId, toolId: q.toolId, reason: q.reason, days: q.days, requestedAt: q.requestedAt, status: 'denied', note: why });
    this.state.owners = { ...this.state.owners, [localId]: q.user };
    void this.save();
  }

  /** The server's current list replaces what we knew (it has the decisions); local refusals stay. */
  replaceFiled(requests: ExceptionRequestInfo[]): void {
    const serverIds = new Set(requests.map((r) => r.id));
    const localOnly = this.state.requests.filter((r) => !serverIds.has(r.id) && r.id.startsWith('queued-'));
    this.state.requests = [...requests, ...localOnly];
    void this.save();
  }

  /** Writes now what is waiting to be written (at stop). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.write();
  }

  private save(): Promise<void> {
    const done = new Promise<void>((resolve) => this.waiting.push(resolve));
    this.timer ??= setTimeout(() => this.flush(), WRITE_DELAY_MS);
    return done;
  }

  /** A full disk must not turn a filed request into an error for the employee: kept in memory, and said. */
  private write(): void {
    const waiting = this.waiting;
    this.waiting = [];
    this.bound();
    try {
      writeFileAtomic(this.file, `${JSON.stringify(this.state)}\n`, 0o600);
      this.problem = undefined;
    } catch (err) {
      this.problem = `cannot save exception requests to ${this.file} (${(err as Error).message}); kept in memory until it can`;
    }
    for (const resolve of waiting) resolve();
  }

  /** Forgets the oldest decided requests past MAX_KNOWN, and owners of requests no longer known. */
  private bound(): void {
    if (this.state.requests.length > MAX_KNOWN) this.state.requests = this.state.requests.slice(-MAX_KNOWN);
    const ids = new Set([...this.state.requests.map((r) => r.id), ...this.state.queued.map((q) => q.localId)]);
    const owners = this.state.owners ?? {};
    this.state.owners = Object.fromEntries(Object.entries(owners).filter(([id]) => ids.has(id)));
  }
}
