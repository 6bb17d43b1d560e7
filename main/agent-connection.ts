// The tray's line to the agent: polls the local status API, reports new events once each, and relays the
// employee's requests. It never enforces and cannot weaken enforcement: it only reads status and asks. When no
// agent service answers (e.g. `npm start` on a developer's machine), it starts the agent in-process as the
// current user and flags that, so the window can say so.
import { EventEmitter } from 'node:events';
import { userInfo } from 'node:os';
import type { Logger } from '../agent/agent-log.ts';
import { defaultAgentPaths, statusSocketCandidates, type AgentPaths } from '../agent/agent-paths.ts';
import { AgentRuntime } from '../agent/agent-runtime.ts';
import { AgentUnreachable, requestAgent } from '../agent/status-client.ts';
import type { AgentEvent, AgentStatus, ExceptionRequestInfo, ExceptionRequestInput } from '../agent/status-types.ts';
import type { ExceptionResult, StatusSnapshot, SyncResult } from '../ui-shared/cordon-bridge.ts';

export interface AgentConnectionOptions {
  /** Talk to this socket only; default: the machine agent's, then this user's (statusSocketCandidates). */
  socket?: string;
  /** Start the agent in-process when none answers. */
  startInProcess: boolean;
  /** Where an in-process agent keeps its state and socket; default: this user's per-OS paths. */
  inProcessPaths?: AgentPaths;
  /** Confine an in-process agent to descendants of this pid (tests, trying Cordon in one terminal). */
  inProcessScopePid?: number;
  agentVersion: string;
  log: Logger;
  pollMs?: number;
}

interface ErrorBody {
  error?: string;
  message?: string;
}

export class AgentConnection extends EventEmitter<{ snapshot: [StatusSnapshot]; event: [AgentEvent] }> {
  private current: StatusSnapshot = { reachable: false, inProcess: false, checkedAt: new Date().toISOString() };
  private socket: string | undefined;
  private agent: AgentRuntime | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastEventId: string | undefined;
  private seenFirst = false;

  private constructor(private readonly o: AgentConnectionOptions) {
    super();
    this.socket = o.socket;
  }

  static async open(o: AgentConnectionOptions): Promise<AgentConnection> {
    const c = new AgentConnection(o);
    await c.refresh();
    if (!c.current.reachable && o.startInProcess) await c.startInProcess();
    return c;
  }

  get snapshot(): StatusSnapshot {
    return this.current;
  }

  /** Polls every pollMs until close(); each new snapshot and each new event is emitted. */
  startPolling(): void {
    const tick = () => {
      this.refresh()
        .catch((err: unknown) => this.o.log.warn({ err }, 'status poll failed'))
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, this.o.pollMs ?? 2000);
        });
    };
    this.timer = setTimeout(tick, this.o.pollMs ?? 2000);
  }

  async refresh(): Promise<StatusSnapshot> {
    const checkedAt = new Date().toISOString();
    try {
      // A pooled keep-alive connection to an agent that has since stopped fails once with EPIPE/ECONNRESET.
      const ask = () => requestAgent<AgentStatus>('GET', '/v1/status', undefined, this.socket, 5000);
      const answer = await ask().catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'EPIPE' || err.code === 'ECONNRESET') return ask();
        throw err;
      });
      if (answer.status !== 200) throw new Error(`the agent answered HTTP ${answer.status} to GET /v1/status`);
      this.socket = answer.socket;
      this.current = { reachable: true, inProcess: this.agent !== undefined, status: answer.body, checkedAt };
      this.announceNewEvents(answer.body.recentEvents);
    } catch (err) {
      const problem = err instanceof AgentUnreachable ? err.message : `the agent did not answer properly: ${(err as Error).message}`;
      this.current = { reachable: false, inProcess: this.agent !== undefined, problem, checkedAt };
    }
    this.emit('snapshot', this.current);
    return this.current;
  }

  async requestException(input: ExceptionRequestInput): Promise<ExceptionResult> {
    try {
      // Named like the CLI does: a machine agent runs as root and would otherwise file the request for root.
      const answer = await requestAgent<ExceptionRequestInfo & ErrorBody>('POST', `/v1/exception-requests?user=${encodeURIComponent(userInfo().username)}`, input, this.socket);
      // 201: filed with the server; 202: queued by the agent until the server can be reached.
      if (answer.status === 200 || answer.status === 201 || answer.status === 202) return { ok: true, request: answer.body };
      return { ok: false, message: answer.body.message ?? `the agent answered HTTP ${answer.status}` };
    } catch (err) {
      return { ok: false, message: (err as Error).message };
    }
  }

  async syncNow(): Promise<SyncResult> {
    try {
      // 200 with the sync report when it all worked, 502 with the same report when part failed.
      const answer = await requestAgent<{ sync?: AgentStatus['sync']; errors?: string[] } & ErrorBody>('POST', '/v1/sync', undefined, this.socket);
      void this.refresh();
      const sync = answer.body.sync;
      if (!sync) return { ok: false, message: answer.body.message ?? `the agent answered HTTP ${answer.status}` };
      if (answer.status !== 200 || sync.state === 'error') return { ok: false, message: answer.body.errors?.join('; ') || sync.lastError || `the agent answered HTTP ${answer.status}` };
      return { ok: true, state: sync.state, lastSuccessAt: sync.lastSuccessAt };
    } catch (err) {
      return { ok: false, message: (err as Error).message };
    }
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const agent = this.agent;
    this.agent = undefined;
    await agent?.stop();
  }

  private async startInProcess(): Promise<void> {
    const paths = this.o.inProcessPaths ?? defaultAgentPaths('user');
    try {
      this.agent = await AgentRuntime.start({ stateDir: paths.stateDir, socket: paths.socket, scope: 'user', scopePid: this.o.inProcessScopePid, agentVersion: this.o.agentVersion, log: this.o.log });
      this.socket = paths.socket;
      this.o.log.info({ socket: paths.socket }, `no agent service answered (looked on ${statusSocketCandidates().join(', ')}); running the agent in-process`);
    } catch (err) {
      this.current = { ...this.current, problem: `${this.current.problem ?? 'no agent answered'}; starting one in-process failed: ${(err as Error).message}` };
      this.emit('snapshot', this.current);
      return;
    }
    await this.refresh();
  }

  /** Events newer than the last one seen, oldest first; the first poll only sets the mark (no old news). */
  private announceNewEvents(newestFirst: AgentEvent[]): void {
    const at = this.lastEventId === undefined ? -1 : newestFirst.findIndex((e) => e.id === this.lastEventId);
    const fresh = !this.seenFirst ? [] : at === -1 ? newestFirst : newestFirst.slice(0, at);
    this.seenFirst = true;
    if (newestFirst[0]) this.lastEventId = newestFirst[0].id;
    for (const e of fresh.reverse()) this.emit('event', e);
  }
}
