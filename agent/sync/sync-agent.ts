// The agent's side of agent <-> server sync: enrols once, keeps the device token in the credential store, fetches
// the signed policy on a jittered schedule (and on demand), puts only verified, newer policies in force, uploads
// the event journal in batches with backoff, sends heartbeats, and carries exception requests (queued offline).
// Nothing here can stop enforcement: every failure leaves the last good policy in force and is shown in info().
import { hostname, release, type as osType, userInfo } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import cron, { type ScheduledTask } from 'node-cron';
import { DEFAULT_AGENT_SETTINGS, policyDigest, type CompiledPolicy, type DeviceContext, type Mode } from '../../policy/index.ts';
import type { Logger } from '../agent-log.ts';
import type { OwnedExceptionRequest } from '../status-caller.ts';
import type { AgentEvent, EnrolmentInfo, ExceptionRequestInfo, ExceptionRequestInput, InstalledTool, PolicyInfo, SyncInfo } from '../status-types.ts';
import { DEFAULT_JOURNAL_MAX_BYTES, DEFAULT_JOURNAL_MAX_EVENTS, EventJournal } from './event-journal.ts';
import { ExceptionRequestQueue } from './exception-request-queue.ts';
import { LastGoodPolicy, PolicyRejected, type AcceptedPolicy } from './last-good-policy.ts';
import type { ManagedConfig } from './managed-config.ts';
import { DEFAULT_BACKOFF, RetryBackoff, type BackoffOptions } from './retry-backoff.ts';
import { jitteredIntervalMs } from './sync-jitter.ts';
import { ServerClient, ServerError } from './server-client.ts';
import { TokenStore, type DeviceCredentials } from './token-store.ts';

/** What the rest of the agent reports in each heartbeat. */
export interface AgentHealthReport {
  mode: Mode;
  policy: { id: string; serial: number | null; digest: string };
  watcher: string;
  problems: string[];
  installed: InstalledTool[];
}

export interface SyncAgentOptions {
  config: ManagedConfig;
  stateDir: string;
  agentVersion: string;
  /**
   * Puts a verified server policy in force (at open for the stored one, then on every change), with the device it
   * was signed for: its id (exceptions IT approved are bound to it) and the groups the server assigned it.
   */
  onPolicy(policy: CompiledPolicy, info: PolicyInfo, device: DeviceContext): void;
  health(): AgentHealthReport;
  /**
   * Sees the events the sync agent records itself (policy.applied, policy.rejected), already journaled: show
   * them; recording them again through record() is harmless (same id) but not needed.
   */
  onEvent?(event: AgentEvent): void;
  /** false: keep the token in the 0600 file; { service }: a separate keychain entry (tests). */
  keychain?: boolean | { service: string };
  log?: Logger;
  /** Per request; a hanging server costs at most this. */
  requestTimeoutMs?: number;
  /** false: no timers at all (tests drive syncNow/uploadNow themselves). */
  schedule?: boolean;
  /** How long record() waits to gather more events before uploading. */
  uploadDelayMs?: number;
  backoff?: BackoffOptions;
}

export interface SyncAgentInfo {
  sync: SyncInfo;
  enrolment: EnrolmentInfo;
  queue: { pending: number; dropped: number };
  /** Each with the user who filed it where known: filter with status-caller before showing it to a caller. */
  exceptionRequests: OwnedExceptionRequest[];
  /** Sync's own problems (journal, rejected policy, clock): for health.problems in status. */
  problems: string[];
}

export interface SyncReport extends SyncAgentInfo {
  ok: boolean;
  policyResult: { result: 'updated' | 'unchanged' | 'rejected' | 'failed'; serial: number | null; reason?: string };
  uploaded: number;
  errors: string[];
}

const MAX_BATCH = 500;
/** Tries for a queued exception request the server keeps answering 429/5xx to, before it is given up. */
export const MAX_SEND_ATTEMPTS = 5;
/** Answers to an upload that mean "this body, never": split the batch to find the event at fault. */
const REFUSED_BODY = new Set([400, 413, 422]);
const TICK = '*/5 * * * * *'; // node-cron wakes every 5 s; what is due is decided on jittered monotonic times
const CLOCK_SKEW_WARNING_MS = 5 * 60_000;

export class SyncAgent {
  private readonly client: ServerClient;
  private readonly journal: EventJournal;
  /** Settles once the journal on disk has been replayed. */
  private readonly journalLoaded: Promise<void>;
  private readonly lastGood: LastGoodPolicy;
  private readonly requests: ExceptionRequestQueue;
  private credentials: DeviceCredentials | undefined;
  /** The id of credentials the server refused: the agent enrols again as that device, and accepts no other id. */
  private formerDeviceId: string | undefined;
  private enrolling: Promise<DeviceCredentials> | undefined;
  private enrolError: string | undefined;
  private readonly enrolBackoff: RetryBackoff;
  private readonly uploadBackoff: RetryBackoff;
  /** Set by the server's 429/5xx to exception requests: queued ones wait it out, and each gets MAX_SEND_ATTEMPTS. */
  private readonly requestBackoff: RetryBackoff;
  /** invalid-token answers in a row: a server that keeps refusing fresh tokens must not cause an enrol storm. */
  private tokenRefusals = 0;
  private readonly syncInfo: SyncInfo;
  private readonly problems = new Map<string, string>();
  private lastRejection: string | undefined;
  private refusedEvents = 0;
  private running: { sync?: Promise<SyncReport>; upload?: Promise<number> } = {};
  private task: ScheduledTask | undefined;
  private uploadTimer: NodeJS.Timeout | undefined;
  private uploadDueAt = 0;
  private nextSyncAt = 0;
  private nextUploadAt = 0;
  private stopped = false;

  private constructor(
    private readonly o: SyncAgentOptions,
    private readonly tokens: TokenStore,
  ) {
    const c = o.config;
    this.client = new ServerClient(c.serverUrl, o.requestTimeoutMs);
    // Replayed in the background: enforcement must not wait for a large journal (events meanwhile wait in memory).
    const opened = EventJournal.openInBackground(join(o.stateDir, 'events.journal'), {
      maxEvents: c.overrides.journalMaxEvents ?? DEFAULT_JOURNAL_MAX_EVENTS,
      maxBytes: c.overrides.journalMaxBytes ?? DEFAULT_JOURNAL_MAX_BYTES,
    });
    this.journal = opened.journal;
    const started = performance.now();
    this.journalLoaded = opened.loaded.then(
      () => {
        this.noteJournal();
        const { pending, dropped, bytes } = this.journal.stats();
        o.log?.info({ pending, dropped, bytes, ms: Math.round(performance.now() - started) }, 'event journal loaded');
        if (pending > 0) this.scheduleUpload(Math.random() * 3000);
      },
      (err: unknown) => {
        this.problems.set('journal', `cannot read the event journal: ${(err as Error).message}`);
        o.log?.error({ problem: (err as Error).message }, 'event journal could not be read');
      },
    );
    this.lastGood = LastGoodPolicy.load(join(o.stateDir, 'policy-bundle.json'), c.pinnedKeys);
    this.requests = new ExceptionRequestQueue(join(o.stateDir, 'exception-requests.json'));
    this.enrolBackoff = new RetryBackoff(o.backoff ?? DEFAULT_BACKOFF);
    this.uploadBackoff = new RetryBackoff(o.backoff ?? DEFAULT_BACKOFF);
    this.requestBackoff = new RetryBackoff(o.backoff ?? DEFAULT_BACKOFF);
    this.syncInfo = { state: 'never', serverUrl: c.serverUrl };
    this.noteStores();
    this.noteJournal();
  }

  static async open(o: SyncAgentOptions): Promise<SyncAgent> {
    const tokens = await TokenStore.open({
      stateDir: o.stateDir,
      keychain: o.keychain !== false,
      service: typeof o.keychain === 'object' ? o.keychain.service : undefined,
    });
    const agent = new SyncAgent(o, tokens);
    const stored = await tokens.load().catch((err: unknown) => {
      agent.problems.set('token', `cannot read the device token (${(err as Error).message}); enrolling again`);
      return undefined;
    });
    // A token for another server (IT moved it) is no token.
    if (stored && stored.serverUrl === o.config.serverUrl) agent.credentials = stored;
    const current = agent.lastGood.current();
    if (current) o.onPolicy(current.content.policy, agent.policyInfo(current), agent.deviceOf(current));
    if (o.schedule !== false) agent.startSchedule();
    return agent;
  }

  /** Journals an event (fsync before return); uploads follow shortly, in a batch. */
  record(event: AgentEvent): void {
    this.journal.append(event);
    this.noteJournal();
    this.scheduleUpload(this.o.uploadDelayMs ?? 2000);
  }

  /** A full sync now: policy, queued exception requests, events, heartbeat. Never throws; the report says what failed. */
  syncNow(): Promise<SyncReport> {
    this.running.sync ??= this.runSync().finally(() => (this.running.sync = undefined));
    return this.running.sync;
  }

  /** Uploads every pending event now (ignoring any backoff); resolves with how many the server now holds. */
  uploadNow(): Promise<number> {
    this.running.upload ??= this.runUpload().finally(() => (this.running.upload = undefined));
    return this.running.upload;
  }

  async heartbeat(): Promise<void> {
    const h = this.o.health();
    this.noteStores();
    const problems = [...h.problems, ...this.problems.values()].slice(0, 64).map((p) => p.slice(0, 1024));
    const answer = await this.withToken((token) =>
      this.client.heartbeat(token, {
        agentVersion: this.o.agentVersion,
        mode: h.mode,
        policy: h.policy,
        queue: this.queue(),
        health: { watcher: h.watcher.slice(0, 256), problems },
        installed: h.installed.slice(0, 1000),
      }),
    );
    this.noteClock(answer.serverTime);
  }

  /**
   * Files an exception request with the server; while the server cannot be reached it is queued here (status
   * 'queued') and sent on a later sync. Throws ServerError when the server refuses it for good (e.g. 400).
   */
  async requestException(input: ExceptionRequestInput, user: string): Promise<ExceptionRequestInfo> {
    const who = user;
    // While the server is saying "not now" to queued requests, a new one would only add to its load: queue it.
    const sendNow = this.requestBackoff.remainingMs() === 0;
    try {
      if (!sendNow) throw new ServerError('http', `the server asked the agent to wait; retrying in ${Math.ceil(this.requestBackoff.remainingMs() / 1000)} s`, 429);
      const info = await this.withToken((token) => this.client.requestException(token, { ...input, user: who }));
      this.requests.filed(info, who);
      return info;
    } catch (err) {
      if (err instanceof ServerError && !err.retryable) throw err;
      const queued = { localId: `queued-${crypto.randomUUID()}`, ...input, user: who, requestedAt: new Date().toISOString() };
      await this.requests.enqueue(queued);
      this.o.log?.info({ toolId: input.toolId, why: (err as Error).message }, 'exception request queued until the server can be reached');
      return this.requests.all().find((r) => r.id === queued.localId)!;
    }
  }

  info(): SyncAgentInfo {
    const enrolment: EnrolmentInfo = this.credentials
      ? { state: 'enrolled', deviceId: this.credentials.deviceId, tokenStorage: this.tokens.storage }
      : { state: this.enrolError ? 'error' : 'pending', tokenStorage: this.tokens.storage, ...(this.enrolError ? { error: this.enrolError } : {}) };
    this.noteStores();
    return { sync: { ...this.syncInfo }, enrolment, queue: this.queue(), exceptionRequests: this.requests.all(), problems: [...this.problems.values()] };
  }

  /** The policy in force from the server, if any (what onPolicy was last given). */
  currentPolicy(): AcceptedPolicy | undefined {
    return this.lastGood.current();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.uploadTimer);
    await this.task?.stop();
    // A request in flight may take up to its timeout; a service stop should not. What it did not
    // acknowledge is sent again after the restart (the server de-duplicates).
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([this.running.sync, this.running.upload]), new Promise((r) => (grace = setTimeout(r, 3000)))]);
    clearTimeout(grace);
    this.requests.flush();
    await this.journalLoaded;
    this.journal.close();
  }

  private async runSync(): Promise<SyncReport> {
    this.syncInfo.lastAttemptAt = new Date().toISOString();
    const errors: string[] = [];
    let policyResult: SyncReport['policyResult'];
    let unreachable = false;
    try {
      policyResult = await this.syncPolicy();
      if (policyResult.result === 'rejected') errors.push(`policy rejected (${policyResult.reason}): ${this.lastRejection ?? ''}`);
    } catch (err) {
      policyResult = { result: 'failed', serial: this.lastGood.current()?.content.serial ?? null };
      errors.push(`policy: ${(err as Error).message}`);
      // Not enrolled, or no server there: the other steps would only wait out the same timeouts.
      unreachable = err instanceof EnrolmentFailed || (err instanceof ServerError && (err.kind === 'network' || err.kind === 'timeout'));
    }
    let uploaded = 0;
    if (!unreachable) {
      for (const step of [() => this.syncExceptionRequests(), async () => void (uploaded = await this.uploadNow()), () => this.heartbeat()]) {
        try {
          await step();
        } catch (err) {
          errors.push((err as Error).message);
        }
      }
    }
    if (policyResult.result !== 'failed') this.syncInfo.lastSuccessAt = new Date().toISOString();
    this.syncInfo.state = errors.length ? 'error' : 'ok';
    if (errors.length) this.syncInfo.lastError = errors.join('; ');
    else delete this.syncInfo.lastError;
    this.planNextSync();
    return { ok: errors.length === 0, policyResult, uploaded, errors, ...this.info() };
  }

  private async syncPolicy(): Promise<SyncReport['policyResult']> {
    const { answer, deviceId } = await this.withToken(async (token, creds) => {
      const current = this.lastGood.current();
      const etag = current && current.content.device === creds.deviceId ? current.etag : undefined;
      return { answer: await this.client.policy(token, etag), deviceId: creds.deviceId };
    });
    const serialNow = () => this.lastGood.current()?.content.serial ?? null;
    if (answer.status === 304) {
      this.clearRejection();
      return { result: 'unchanged', serial: serialNow() };
    }
    try {
      const offered = this.lastGood.offer(answer.text, deviceId, answer.etag);
      this.clearRejection();
      if (!offered.changed) return { result: 'unchanged', serial: offered.accepted.content.serial };
      const { content } = offered.accepted;
      const info = this.policyInfo(offered.accepted);
      this.o.onPolicy(content.policy, info, this.deviceOf(offered.accepted));
      this.own({
        type: 'policy.applied',
        message: `policy ${content.policy.policyId} serial ${content.serial} from ${this.o.config.serverUrl} in force`,
        detail: { policyId: content.policy.policyId, serial: content.serial, digest: info.digest },
      });
      if (this.o.config.overrides.syncIntervalSeconds === undefined) this.planNextSync();
      return { result: 'updated', serial: content.serial };
    } catch (err) {
      if (!(err instanceof PolicyRejected)) throw err;
      const key = `${err.reason}:${answer.etag ?? err.message}`;
      this.lastRejection = err.message;
      this.problems.set('policy-rejected', `the server's policy was rejected (${err.reason}): ${err.message}; the last good policy stays in force`);
      // Once per distinct bad bundle: a server stuck on it must not flood the journal.
      if (key !== this.lastRejectionKey) {
        this.lastRejectionKey = key;
        this.own({ type: 'policy.rejected', message: `policy from ${this.o.config.serverUrl} rejected: ${err.message}`, detail: { reason: err.reason, problem: err.message.slice(0, 2000) } });
        this.o.log?.warn({ reason: err.reason, problem: err.message }, 'policy rejected; the last good policy stays in force');
      }
      return { result: 'rejected', serial: serialNow(), reason: err.reason };
    }
  }

  private lastRejectionKey: string | undefined;

  private clearRejection(): void {
    this.problems.delete('policy-rejected');
    this.lastRejection = undefined;
    this.lastRejectionKey = undefined;
  }

  private async syncExceptionRequests(): Promise<void> {
    const wait = this.requestBackoff.remainingMs();
    if (wait > 0) throw new Error(`exception requests: the server asked to wait; next try in ${Math.ceil(wait / 1000)} s`);
    for (const q of [...this.requests.queued]) {
      try {
        const info = await this.withToken((token) => this.client.requestException(token, { toolId: q.toolId, reason: q.reason, days: q.days, user: q.user }));
        this.requests.filed(info, q.user, q.localId);
        this.requestBackoff.succeed();
      } catch (err) {
        if (err instanceof ServerError && !err.retryable) this.requests.refused(q.localId, `the server refused the request: ${err.message}`);
        else if (err instanceof ServerError && err.kind === 'http') {
          // 429 or 5xx: back off (honouring Retry-After up to the cap), and give the request up after a few tries
          // rather than spend the device's server budget on it forever.
          const attempts = this.requests.failedAttempt(q.localId);
          if (attempts >= MAX_SEND_ATTEMPTS)
            this.requests.refused(q.localId, `not sent: the server answered "not now" ${attempts} times (${err.message}); file the request again later`);
          this.requestBackoff.fail(err.retryAfterMs);
          throw err;
        } else throw err;
      }
    }
    this.requests.replaceFiled(await this.withToken((token) => this.client.exceptionRequests(token)));
  }

  private async runUpload(): Promise<number> {
    await this.journalLoaded;
    clearTimeout(this.uploadTimer);
    this.uploadTimer = undefined;
    this.journal.flush();
    let durableTotal = 0;
    try {
      let size = MAX_BATCH;
      for (;;) {
        const batch = this.journal.pending(size);
        if (batch.length === 0) break;
        let answer;
        try {
          answer = await this.withToken((token) => this.client.events(token, batch));
        } catch (err) {
          if (!(err instanceof ServerError && err.kind === 'http' && REFUSED_BODY.has(err.status ?? 0))) throw err;
          // The server refuses the batch as a whole (one malformed event, or too large): halve it until the
          // event it refuses is alone, then drop that one and say so, so it cannot block the queue forever.
          if (batch.length > 1) {
            size = Math.ceil(batch.length / 2);
            continue;
          }
          this.journal.acknowledge([batch[0]!.id]);
          this.refusedEvents++;
          this.problems.set('events-rejected', `the server refused ${this.refusedEvents} event(s), the last ${batch[0]!.id}: ${err.message}`);
          this.o.log?.warn({ id: batch[0]!.id, problem: err.message }, 'server refused an event; dropped it');
          continue;
        }
        size = Math.min(MAX_BATCH, size * 2);
        const sent = new Set(batch.map((e) => e.id));
        const durable = answer.durable.filter((id) => sent.has(id));
        const rejected = answer.rejected.filter((r) => sent.has(r.id));
        // Refused events would block the queue forever: drop them, and say so.
        this.journal.acknowledge([...durable, ...rejected.map((r) => r.id)]);
        durableTotal += durable.length;
        if (rejected.length) {
          this.refusedEvents += rejected.length;
          this.problems.set('events-rejected', `the server refused ${this.refusedEvents} event(s), the last ${rejected[0]!.id}: ${rejected[0]!.problem}`);
          this.o.log?.warn({ rejected: rejected.slice(0, 10) }, 'server refused events');
        }
        if (durable.length + rejected.length === 0) throw new ServerError('garbage', 'the server acknowledged none of the events it was sent');
      }
      this.uploadBackoff.succeed();
      this.nextUploadAt = performance.now() + this.uploadIntervalMs();
      return durableTotal;
    } catch (err) {
      const wait = this.uploadBackoff.fail(err instanceof ServerError ? err.retryAfterMs : undefined);
      this.nextUploadAt = performance.now() + wait;
      this.o.log?.warn({ problem: (err as Error).message, retryInMs: Math.round(wait) }, 'event upload failed; will retry');
      this.scheduleUpload(wait);
      throw new Error(`upload: ${(err as Error).message} (${this.journal.stats().pending} event(s) kept, retry in ${Math.ceil(wait / 1000)} s)`, { cause: err });
    } finally {
      this.noteJournal();
    }
  }

  /** Runs an authenticated call; a revoked or unknown token means enrolling again (once per call, with backoff). */
  private async withToken<T>(call: (token: string, creds: DeviceCredentials) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const creds = await this.enrolled();
      try {
        const result = await call(creds.token, creds);
        this.tokenRefusals = 0;
        return result;
      } catch (err) {
        if (!(err instanceof ServerError) || err.kind !== 'invalid-token' || attempt > 0) throw err;
        this.tokenRefusals++;
        this.o.log?.warn({ deviceId: creds.deviceId }, 'the server refused the device token; enrolling again');
        if (this.credentials === creds) {
          this.formerDeviceId = creds.deviceId;
          this.credentials = undefined;
          await this.tokens.clear().catch(() => undefined);
        }
        // The first refusal re-enrols at once; a server that keeps refusing fresh tokens gets backoff.
        if (this.tokenRefusals > 1) this.enrolBackoff.fail();
      }
    }
  }

  private enrolled(): Promise<DeviceCredentials> {
    if (this.credentials) return Promise.resolve(this.credentials);
    const wait = this.enrolBackoff.remainingMs();
    if (wait > 0) return Promise.reject(new EnrolmentFailed(`enrolment failed (${this.enrolError ?? 'token refused'}); next attempt in ${Math.ceil(wait / 1000)} s`));
    this.enrolling ??= this.enrol().finally(() => (this.enrolling = undefined));
    return this.enrolling;
  }

  private async enrol(): Promise<DeviceCredentials> {
    const c = this.o.config;
    // Once a device, always that device: a 401 (from the server, or from a proxy that wants a fresh series)
    // leads to enrolling again as the same id, and the serial floor carries over.
    const asked = this.formerDeviceId ?? this.lastGood.current()?.content.device;
    try {
      const answer = await this.client.enrol(
        c.enrolSecret,
        { hostname: hostname(), os: `${osType()} ${release()}`, arch: process.arch, user: currentUser(), agentVersion: this.o.agentVersion, tags: c.tags },
        { deviceId: asked, serialFloor: this.lastGood.serialFloor(c.pinnedKeyIds) },
      );
      if (asked && answer.deviceId !== asked)
        throw new Error(`asked to enrol again as device ${asked}, the answer was device ${answer.deviceId}: refused (a proxy in the way, or a server that does not know this device); the last good policy stays in force`);
      const creds = { serverUrl: c.serverUrl, ...answer };
      await this.tokens.save(creds);
      this.credentials = creds;
      this.enrolError = undefined;
      this.enrolBackoff.succeed();
      // Status shows tokenStorage: 'file'; why is for the log (for a root service it is the normal case).
      this.o.log?.info({ deviceId: creds.deviceId, tokenStorage: this.tokens.storage, why: this.tokens.fallbackReason }, 'enrolled');
      return creds;
    } catch (err) {
      this.enrolBackoff.fail(err instanceof ServerError ? err.retryAfterMs : undefined);
      this.enrolError =
        err instanceof ServerError && err.code === 'device-revoked'
          ? `IT revoked this device on the server, so it cannot enrol again; the last good policy stays in force (${err.message})`
          : err instanceof ServerError && err.status === 401
            ? `the server refused the enrolment secret (${err.message})`
            : (err as Error).message;
      throw new EnrolmentFailed(`enrolment failed: ${this.enrolError}`, { cause: err });
    }
  }

  private own(partial: Omit<AgentEvent, 'id' | 'at'>): void {
    const event: AgentEvent = { id: crypto.randomUUID(), at: new Date().toISOString(), ...partial };
    this.record(event);
    this.o.onEvent?.(event);
  }

  /** The bundle names the device and its groups, signed: they count, not what this machine's files say. */
  private deviceOf(accepted: AcceptedPolicy): DeviceContext {
    return { deviceId: accepted.content.device ?? this.credentials?.deviceId, groups: accepted.content.groups ?? this.o.config.groups };
  }

  private policyInfo(accepted: AcceptedPolicy): PolicyInfo {
    const p = accepted.content.policy;
    return { id: p.policyId, name: p.name, source: 'server', serial: accepted.content.serial, digest: policyDigest(p), loadedAt: new Date().toISOString() };
  }

  private queue(): { pending: number; dropped: number } {
    const { pending, dropped } = this.journal.stats();
    return { pending, dropped };
  }

  /** The stores' own problems (a full disk, a file that could not be read) as they are now. */
  private noteStores(): void {
    for (const [key, problem] of [['stored-policy', this.lastGood.problem], ['exception-requests', this.requests.problem]] as const) {
      if (problem) this.problems.set(key, problem);
      else this.problems.delete(key);
    }
  }

  private noteJournal(): void {
    const { dropped } = this.journal.stats();
    if (this.journal.problem) this.problems.set('journal', this.journal.problem);
    else if (this.journal.isLoading) this.problems.set('journal', 'replaying the event journal; events recorded meanwhile are held in memory');
    else this.problems.delete('journal');
    if (dropped > 0) this.problems.set('journal-dropped', `${dropped} event(s) were dropped because the journal reached its bound`);
  }

  private noteClock(serverTime: string | undefined): void {
    const server = serverTime ? Date.parse(serverTime) : NaN;
    if (Number.isNaN(server)) return;
    const skew = Date.now() - server;
    if (Math.abs(skew) > CLOCK_SKEW_WARNING_MS)
      this.problems.set('clock', `this machine's clock is ${Math.round(Math.abs(skew) / 60_000)} min ${skew > 0 ? 'ahead of' : 'behind'} the server's; event times are off by as much`);
    else this.problems.delete('clock');
  }

  private syncIntervalMs(): number {
    const fromPolicy = this.lastGood.current()?.content.policy.agent.syncIntervalSeconds;
    return 1000 * (this.o.config.overrides.syncIntervalSeconds ?? fromPolicy ?? DEFAULT_AGENT_SETTINGS.syncIntervalSeconds);
  }

  private uploadIntervalMs(): number {
    return 1000 * (this.o.config.overrides.uploadIntervalSeconds ?? 60);
  }

  private planNextSync(): void {
    this.nextSyncAt = performance.now() + jitteredIntervalMs(this.syncIntervalMs());
  }

  private startSchedule(): void {
    // The first sync soon after start: within seconds when there is no server policy yet (a new device should
    // enrol now); otherwise spread over up to a minute, so a fleet restarted at once (an update) does not stampede.
    const spread = this.lastGood.current() ? Math.min(60_000, this.syncIntervalMs()) : 3000;
    this.nextSyncAt = performance.now() + Math.random() * spread;
    this.nextUploadAt = performance.now() + this.uploadIntervalMs();
    this.task = cron.schedule(TICK, () => this.tick(), { name: 'cordon-sync', noOverlap: true });
    if (this.journal.stats().pending > 0) this.scheduleUpload(Math.random() * 3000);
  }

  private tick(): void {
    if (this.stopped) return;
    const now = performance.now();
    if (now >= this.nextSyncAt && !this.running.sync) {
      this.planNextSync();
      void this.syncNow();
    } else if (now >= this.nextUploadAt && this.journal.stats().pending > 0) this.scheduleUpload(0);
  }

  private scheduleUpload(delayMs: number): void {
    if (this.stopped || this.o.schedule === false) return;
    const wait = Math.max(delayMs, this.uploadBackoff.remainingMs());
    // An earlier upload wins over a later one already planned (a new event must not wait out start-up jitter).
    if (this.uploadTimer && performance.now() + wait >= this.uploadDueAt) return;
    clearTimeout(this.uploadTimer);
    this.uploadDueAt = performance.now() + wait;
    this.uploadTimer = setTimeout(() => {
      this.uploadTimer = undefined;
      if (this.journal.stats().pending > 0 && !this.running.sync) this.uploadNow().catch(() => undefined);
    }, wait);
    this.uploadTimer.unref();
  }
}

/** Not enrolled (wrong secret, no server, backing off): nothing authenticated can be attempted. */
class EnrolmentFailed extends Error {}

function currentUser(): string {
  try {
    return userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}
