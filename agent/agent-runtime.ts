// The agent: holds the policy in force, runs the process guard, records events, serves the local status API
// and runs the periodic jobs. `cordon agent` runs it as a service; the tray and `cordon start` run it
// in-process as the current user when no service is installed.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import cron, { type ScheduledTask } from 'node-cron';
import {
  builtInCatalog,
  builtInPolicy,
  compilePolicy,
  Matcher,
  parsePolicy,
  policyDigest,
  type CompiledPolicy,
  type Mode,
} from '../policy/index.ts';
import type { Logger } from './agent-log.ts';
import type { AgentScope } from './agent-paths.ts';
import { ExpirySchedule } from './enforcement/expiry-schedule.ts';
import { ProcessGuard } from './enforcement/process-guard.ts';
import { DEFAULT_DEADLINE_MS, DEFAULT_LARGE_DEADLINE_MS, ExecEngine } from './exec-guard/exec-engine.ts';
import { PreventedExecReporter } from './exec-guard/prevented-exec.ts';
import { InventoryJob } from './inventory/inventory-job.ts';
import { ProcessStopper } from './enforcement/process-stopper.ts';
import { ancestorsOf } from './process/ancestry.ts';
import { createProcessSource, type WatcherKind } from './process/create-process-source.ts';
import type { ProcessSource } from './process/process-source.ts';
import { UserDirectory } from './process/user-directory.ts';
import { RecentEvents } from './recent-events.ts';
import { restrictedTools } from './restricted-tools.ts';
import { StatusServer, type StatusApiAnswer } from './status-server.ts';
import type { ManagedConfig } from './sync/managed-config.ts';
import { exceptionRequestAnswer, syncAnswer } from './sync/status-answers.ts';
import { SyncAgent } from './sync/sync-agent.ts';
import { STATUS_API_VERSION, type AgentEvent, type AgentStatus, type ExceptionRequestInput, type PolicyInfo } from './status-types.ts';

export interface AgentOptions {
  stateDir: string;
  socket: string;
  scope: AgentScope;
  /** A local policy file (YAML) instead of the built-in default; re-read when it changes. */
  policyFile?: string;
  /** Overrides the policy's mode (an IT-managed setting or `--mode`). */
  mode?: Mode;
  /** Enforce only on descendants of this pid. */
  scopePid?: number;
  /** The process source; the platform's cheapest by default. */
  watcher?: WatcherKind;
  agentVersion: string;
  log: Logger;
  /**
   * Installed-tool inventory: 'on' (default) reports and, where the policy says so, quarantines; 'report' never
   * moves files (a trial agent under --scope-pid); 'off' skips it.
   */
  inventory?: 'on' | 'report' | 'off';
  /**
   * IT's managed config: connects the agent to the Cordon server (enrolment, signed policy, reporting). Its
   * overrides beat local flags. Without it the agent runs unconnected on the built-in or local policy.
   */
  managedConfig?: ManagedConfig;
  /** Why the managed config could not be used (shown in status; the agent enforces regardless). */
  managedConfigProblem?: string;
  /** Device token storage: the OS keychain (default) or, false, the root-only file. */
  keychain?: boolean;
  /**
   * The Linux exec guard (fanotify): 'on' (default) where it can run, 'off', or 'fail-closed' (deny execs the
   * agent cannot judge in time; see docs/developers/exec-guard.md for the risk).
   */
  execGuard?: 'on' | 'off' | 'fail-closed';
  /** How long an exec of a file not judged before waits for the agent (ms). */
  execGuardDeadlineMs?: number;
  /** Called for every recorded event (the tray's notifications when in-process). */
  onEvent?: (event: AgentEvent) => void;
}

const POLICY_FILE_CHECK = '*/10 * * * * *'; // every 10 s: a stat, and a re-read only when the file changed
/** With the exec guard in force, exec events drive detection; polling only backstops what fanotify cannot see. */
const BACKSTOP_SCAN_MS = 2000;

export class AgentRuntime {
  private policy: CompiledPolicy;
  private policyInfo: PolicyInfo;
  private matcher: Matcher;
  private readonly events: RecentEvents;
  private readonly users = new UserDirectory();
  private readonly source: ProcessSource;
  private readonly guard: ProcessGuard;
  private readonly server: StatusServer;
  private readonly inventory: InventoryJob | undefined;
  private engine: ExecEngine | undefined;
  private readonly expiries: ExpirySchedule;
  private syncAgent: SyncAgent | undefined;
  private readonly jobs: ScheduledTask[] = [];
  private readonly problems = new Map<string, string>();
  private policyFileMtime = 0;
  private readonly startedAt = new Date().toISOString();

  private constructor(private readonly o: AgentOptions) {
    this.events = new RecentEvents(join(o.stateDir, 'recent-events.json'));
    const initial = o.policyFile ? this.readPolicyFile(o.policyFile) : { policy: builtInPolicy(), source: 'built-in' as const };
    this.policy = this.withMode(initial.policy);
    this.policyInfo = this.infoFor(this.policy, initial.source);
    this.matcher = new Matcher(this.policy);
    this.source = createProcessSource(o.watcher);
    const stopper = new ProcessStopper(this.source, new Set([process.pid, ...ancestorsOf(process.pid)]));
    this.guard = new ProcessGuard({
      source: this.source,
      stopper,
      matcher: () => this.matcher,
      users: this.users,
      scope: { uid: o.scope === 'user' && process.getuid ? process.getuid() : undefined, underPid: o.scopePid },
      record: (e) => this.record(e),
      onError: (err) => this.problem('watcher', `process watcher: ${(err as Error).message}`),
    });
    this.expiries = new ExpirySchedule(
      () => this.matcher.nextExpiry(),
      () => this.decisionsChanged('an exception expired'),
    );
    const inventoryMode = o.inventory ?? (o.scopePid ? 'report' : 'on');
    this.inventory =
      inventoryMode === 'off'
        ? undefined
        : new InventoryJob({
            stateDir: o.stateDir,
            matcher: () => this.matcher,
            record: (e) => this.record(e),
            quarantine: inventoryMode === 'on',
            onError: (err) => this.problem('inventory', `inventory: ${(err as Error).message}`),
          });
    this.server = new StatusServer(
      o.socket,
      {
        status: (user) => this.status(user),
        eventsAfter: (id, limit) => this.events.after(id, limit),
        sync: () => this.sync(),
        requestException: (input, user) => this.requestException(input, user),
      },
      o.scope === 'machine',
    );
  }

  static async start(o: AgentOptions): Promise<AgentRuntime> {
    const agent = new AgentRuntime(o);
    agent.events.load();
    if (agent.events.problem) {
      agent.problem('state', agent.events.problem);
      o.log.warn({ problem: agent.events.problem }, 'state file replaced');
    }
    if (o.managedConfigProblem) agent.problem('managed-config', o.managedConfigProblem);
    if (o.managedConfig) {
      // Opening puts the last good server policy in force (onPolicy) before the first tick.
      agent.syncAgent = await SyncAgent.open({
        config: o.managedConfig,
        stateDir: o.stateDir,
        agentVersion: o.agentVersion,
        onPolicy: (policy, info) => agent.applyPolicy(policy, info),
        health: () => agent.healthReport(),
        onEvent: (e) => agent.show(e),
        keychain: o.keychain,
        log: o.log,
      });
    }
    await agent.server.listen();
    // The first pass judges every running process (and warms the identifier's caches): the exec guard starts
    // after it, so that its first questions do not wait behind that work and miss their deadline.
    if (o.execGuard !== 'off') await agent.guard.tick().catch((err: unknown) => agent.problem('watcher', `process watcher: ${(err as Error).message}`));
    await agent.startExecEngine();
    agent.guard.start(agent.scanInterval());
    agent.expiries.arm();
    // The first pass runs in the background: enforcement must not wait for a walk of every home directory.
    void agent.inventory?.start(agent.policy.agent.inventoryIntervalSeconds).catch((err: unknown) => agent.problem('inventory', `inventory: ${(err as Error).message}`));
    if (o.policyFile) agent.jobs.push(cron.schedule(POLICY_FILE_CHECK, () => agent.reloadPolicyFile(), { noOverlap: true, name: 'policy-file' }));
    agent.record({
      id: crypto.randomUUID(),
      type: 'agent.started',
      at: agent.startedAt,
      message: `agent ${o.agentVersion} started (${o.scope} scope, ${agent.policy.mode} mode, policy ${agent.policyInfo.id} from ${agent.policyInfo.source})`,
      detail: { scope: o.scope, mode: agent.policy.mode, watcher: agent.source.kind, engine: agent.engineInfo().kind, prevention: agent.engineInfo().prevention },
    });
    o.log.info({ socket: o.socket, stateDir: o.stateDir, scope: o.scope, mode: agent.policy.mode, policy: agent.policyInfo.id, watcher: agent.source.kind }, 'agent started');
    return agent;
  }

  async stop(): Promise<void> {
    for (const job of this.jobs) await job.stop();
    this.expiries.stop();
    await this.engine?.stop();
    await this.inventory?.stop();
    await this.guard.stop();
    await this.syncAgent?.stop();
    await this.server.close();
    this.events.flush();
    this.o.log.info('agent stopped');
  }

  /** Records an event: journaled for the server first (fsync) when connected, then shown and logged. */
  record(event: AgentEvent): void {
    try {
      this.syncAgent?.record(event);
    } catch (err) {
      // The journal failing (disk full) must not stop enforcement; sync reports it in its problems.
      this.problem('journal', `could not journal an event for the server: ${(err as Error).message}`);
    }
    this.show(event);
  }

  /** Kept for status and the tray, and logged; not journaled (sync's own events arrive journaled already). */
  private show(event: AgentEvent): void {
    this.events.push(event);
    if (event.type !== 'agent.started') this.o.log.info({ event }, event.message ?? event.type);
    this.o.onEvent?.(event);
  }

  private healthReport() {
    return {
      mode: this.policy.mode,
      policy: { id: this.policyInfo.id, serial: this.policyInfo.serial, digest: this.policyInfo.digest },
      watcher: `${this.engineInfo().kind}${this.engineInfo().prevention ? ' (exec prevention)' : ''}: ${this.engineInfo().why}`,
      problems: [...this.problems.values()],
      installed: this.inventory?.installed ?? [],
    };
  }

  status(user?: string): AgentStatus {
    const connected = this.syncAgent?.info();
    return {
      apiVersion: STATUS_API_VERSION,
      agentVersion: this.o.agentVersion,
      pid: process.pid,
      startedAt: this.startedAt,
      platform: process.platform,
      scope: this.o.scope,
      mode: this.policy.mode,
      policy: this.policyInfo,
      sync: connected?.sync ?? { state: 'not-configured' },
      enrolment: connected?.enrolment ?? { state: 'not-configured' },
      queue: connected?.queue ?? { pending: 0, dropped: 0 },
      restrictedTools: restrictedTools(this.matcher, user),
      recentEvents: this.events.newestFirst(50),
      installed: this.inventory?.installed ?? [],
      exceptionRequests: connected?.exceptionRequests ?? [],
      health: {
        watcher: this.source.kind,
        engine: this.engineInfo(),
        scanIntervalMs: this.scanInterval(),
        lastScanAt: this.guard.lastTickAt ? new Date(this.guard.lastTickAt).toISOString() : undefined,
        processesSeen: this.source.size,
        problems: [...this.problems.values(), ...(connected?.problems ?? [])],
      },
    };
  }

  private sync(): Promise<StatusApiAnswer> {
    if (this.syncAgent) return syncAnswer(this.syncAgent, () => this.policyInfo);
    // Not an error: an unconnected agent (a developer's `npm start`) simply has nothing to sync with.
    return Promise.resolve({
      status: 200,
      body: { sync: { state: 'not-configured' }, policy: this.policyInfo, enrolment: { state: 'not-configured' }, queue: { pending: 0, dropped: 0 } },
    });
  }

  private requestException(input: ExceptionRequestInput, user: string | undefined): Promise<StatusApiAnswer> {
    if (this.syncAgent) return exceptionRequestAnswer(this.syncAgent, input, user);
    const exceptionUrl = this.policy.exceptionUrl;
    return Promise.resolve({
      status: 409,
      body: {
        error: 'not-connected',
        message: `this agent is not connected to a Cordon server, so it cannot file a request for ${input.toolId}${exceptionUrl ? `; ask at ${exceptionUrl}` : '; ask your IT team'}`,
      },
    });
  }

  /** Puts a new policy in force: the next tick matches against it. */
  applyPolicy(policy: CompiledPolicy, info: PolicyInfo): void {
    const previous = this.policy;
    this.policy = this.withMode(policy);
    this.policyInfo = { ...info, digest: policyDigest(this.policy) };
    this.matcher = new Matcher(this.policy);
    this.guard.setInterval(this.scanInterval());
    this.expiries.arm();
    this.decisionsChanged('the policy changed');
    if (this.policy.agent.inventoryIntervalSeconds !== previous.agent.inventoryIntervalSeconds) this.inventory?.reschedule(this.policy.agent.inventoryIntervalSeconds);
    // What is installed may now be allowed (restore) or quarantined: look again under the new policy.
    void this.inventory?.runNow().catch((err: unknown) => this.problem('inventory', `inventory: ${(err as Error).message}`));
    this.o.log.info({ policy: info.id, source: info.source, serial: info.serial, mode: this.policy.mode }, 'policy in force');
  }

  /** Starts the exec guard where it can run; status says which engine is in force and why. */
  private async startExecEngine(): Promise<void> {
    const prevented = new PreventedExecReporter((e) => this.record(e));
    this.engine = await ExecEngine.start({
      enabled: this.o.execGuard !== 'off',
      watcher: this.source.kind,
      watcherChosen: this.o.watcher !== undefined,
      machineScope: this.o.scope === 'machine',
      scopePid: this.o.scopePid,
      failClosed: this.o.execGuard === 'fail-closed',
      deadlineMs: this.o.execGuardDeadlineMs ?? DEFAULT_DEADLINE_MS,
      largeDeadlineMs: Math.min(10_000, Math.max(DEFAULT_LARGE_DEADLINE_MS, (this.o.execGuardDeadlineMs ?? DEFAULT_DEADLINE_MS) * 50)),
      judge: { matcher: () => this.matcher, users: this.users, onPrevented: (q, d, user, caller) => prevented.report(q, d, user, caller) },
      onExec: (pid) => this.guard.execSeen(pid),
      onFallback: (m) => {
        this.problem('exec-guard', `the exec guard answered an exec without the agent (${m.why}): ${m.verdict} ${m.path.slice(0, 256)} for pid ${m.pid}`);
        if (m.verdict === 'allow') this.guard.execSeen(m.pid);
      },
      onChange: (info) => {
        this.o.log.warn({ engine: info }, 'detection engine changed');
        this.guard.setInterval(this.scanInterval());
      },
    });
    if (!this.engine.active && this.o.execGuard !== 'off') this.o.log.info({ engine: this.engine.info }, 'exec guard not in force');
  }

  private engineInfo() {
    return this.engine?.info ?? { kind: this.source.kind, prevention: false, why: `${this.source.kind} polling` };
  }

  private scanInterval(): number {
    return this.engine?.active ? Math.max(BACKSTOP_SCAN_MS, this.policy.agent.scanIntervalMs) : this.policy.agent.scanIntervalMs;
  }

  /** Verdicts may differ now: the exec guard forgets its cache and every running tool is judged again. */
  private decisionsChanged(why: string): void {
    this.engine?.flush();
    void this.guard.rejudge(why);
  }

  private withMode(policy: CompiledPolicy): CompiledPolicy {
    return this.o.mode && this.o.mode !== policy.mode ? { ...policy, mode: this.o.mode } : policy;
  }

  private infoFor(policy: CompiledPolicy, source: PolicyInfo['source']): PolicyInfo {
    return { id: policy.policyId, name: policy.name, source, serial: null, digest: policyDigest(policy), loadedAt: new Date().toISOString() };
  }

  private readPolicyFile(file: string): { policy: CompiledPolicy; source: 'file' } {
    this.policyFileMtime = statSync(file).mtimeMs;
    const catalog = builtInCatalog();
    return { policy: compilePolicy(parsePolicy(readFileSync(file, 'utf8'), file, catalog), catalog), source: 'file' };
  }

  /** A changed policy file is re-read; a broken one is reported and the policy in force stays. */
  private reloadPolicyFile(): void {
    const file = this.o.policyFile!;
    let mtime: number;
    try {
      mtime = statSync(file).mtimeMs;
    } catch (err) {
      this.problem('policy-file', `policy file ${file}: ${(err as Error).message}; the policy in force stays`);
      return;
    }
    if (mtime === this.policyFileMtime) return;
    try {
      const { policy } = this.readPolicyFile(file);
      this.problems.delete('policy-file');
      this.applyPolicy(policy, this.infoFor(policy, 'file'));
      this.record({ id: crypto.randomUUID(), type: 'policy.applied', at: new Date().toISOString(), message: `policy ${policy.policyId} from ${file} in force` });
    } catch (err) {
      this.policyFileMtime = mtime;
      const why = (err as Error).message;
      this.problem('policy-file', `policy file ${file} was rejected; the policy in force stays. ${why}`);
      this.record({ id: crypto.randomUUID(), type: 'policy.rejected', at: new Date().toISOString(), message: `policy file ${file} rejected`, detail: { reason: why.slice(0, 2000) } });
    }
  }

  private problem(key: string, text: string): void {
    if (this.problems.get(key) !== text) this.o.log.warn({ problem: text }, key);
    this.problems.set(key, text);
  }
}
