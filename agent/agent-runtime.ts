// The agent: holds the policy in force, runs the process guard, records events, serves the local status API
// and runs the periodic jobs. `cordon agent` runs it as a service; the tray and `cordon start` run it
// in-process as the current user when no service is installed.
// What only some agents use loads on demand (see docs/developers/footprint.md): the policy compiler (YAML,
// TypeBox) for a --policy file or a build without the precompiled built-in policy, sync for a managed machine,
// the inventory at its first pass. An unmanaged agent thus never loads them, and enforcement does not wait.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { CompiledPolicy, DeviceContext, Mode } from '../policy/index.ts';
import { Matcher } from '../policy/matcher.ts';
import { policyDigest } from '../policy/policy-digest.ts';
import { loadBuiltInPolicy } from '../policy/precompiled-built-in-policy.ts';
import type { Logger } from './agent-log.ts';
import type { AgentScope } from './agent-paths.ts';
import { capEventSize } from './event-size-cap.ts';
import { ExpirySchedule } from './enforcement/expiry-schedule.ts';
import { ProcessGuard } from './enforcement/process-guard.ts';
import { DEFAULT_DEADLINE_MS, DEFAULT_LARGE_DEADLINE_MS, ExecEngine } from './exec-guard/exec-engine.ts';
import { PreventedExecReporter } from './exec-guard/prevented-exec.ts';
import { protectedEntryFiles } from './exec-guard/protected-entries.ts';
import { IdentificationPool, type HungRead } from './identification/identification-pool.ts';
import type { InventoryJob } from './inventory/inventory-job.ts';
import { LoopWatchdog, takeStallRecord, type StallRecord } from './loop-watchdog.ts';
import { StalledProcesses } from './stalled-processes.ts';
import { agentStopper } from './enforcement/agent-stopper.ts';
import { createProcessSource, type WatcherKind } from './process/create-process-source.ts';
import type { ProcessSource } from './process/process-source.ts';
import { UserDirectory } from './process/user-directory.ts';
import { ManagedSettingsKeeper } from './vendor-settings/managed-settings-keeper.ts';
import { managedSettingsPlan } from './vendor-settings/managed-settings-plan.ts';
import { RecentEvents } from './recent-events.ts';
import { restrictedTools } from './restricted-tools.ts';
import { eventVisibleTo, statusFor, type StatusCaller } from './status-caller.ts';
import { StatusPipeTaken, StatusServer, type StatusApiAnswer } from './status-server.ts';
import type { ManagedConfig } from './sync/managed-config.ts';
import { exceptionRequestAnswer, syncAnswer } from './sync/status-answers.ts';
import type { SyncAgent } from './sync/sync-agent.ts';
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
  /** Keep the vendors' managed settings saying what the policy asks (agent/vendor-settings/); default off. */
  managedSettings?: 'on' | 'off';
  /** Called for every recorded event (the tray's notifications when in-process). */
  onEvent?: (event: AgentEvent) => void;
  /**
   * Kill the process when its event loop is stuck this long, for the service manager to restart it (the service
   * only; an in-process agent in the tray has nobody to restart it). Unset: no watchdog.
   */
  watchdogStallMs?: number;
}

/** With the exec guard in force, exec events drive detection; polling only backstops what fanotify cannot see. */
const BACKSTOP_SCAN_MS = 2000;
const POLICY_FILE_CHECK_MS = 10_000; // a stat, and a re-read only when the file changed
/** How long the exec guard's start waits for the first pass's judgements (a hung one must not hold it). */
const FIRST_PASS_WAIT_MS = 15_000;

/** Compiles a policy file against the built-in catalog (loaded only when the agent runs on a file). */
type PolicyFileCompiler = (text: string, file: string) => CompiledPolicy;

async function loadPolicyFileCompiler(): Promise<PolicyFileCompiler> {
  const { builtInCatalog, compilePolicy, parsePolicy } = await import('../policy/index.ts');
  return (text, file) => {
    const catalog = builtInCatalog();
    return compilePolicy(parsePolicy(text, file, catalog), catalog);
  };
}

export class AgentRuntime {
  private policy: CompiledPolicy;
  private policyInfo: PolicyInfo;
  private matcher: Matcher;
  /** Who this device is to the policy: its enrolled id and its groups, from the signed bundle in force. */
  private device: DeviceContext;
  private readonly events: RecentEvents;
  private readonly users = new UserDirectory();
  private vendorSettings: ManagedSettingsKeeper | undefined;
  private readonly source: ProcessSource;
  private readonly guard: ProcessGuard;
  /** Identification of running processes, on threads: no user's file is read on this event loop. */
  private readonly identification: IdentificationPool;
  private readonly server: StatusServer;
  private inventory: InventoryJob | undefined;
  /** The inventory's first pass, from loading its code on; stop() waits for it. */
  private inventoryStarting: Promise<void> | undefined;
  private watchdog: LoopWatchdog | undefined;
  private engine: ExecEngine | undefined;
  private readonly expiries: ExpirySchedule;
  private readonly stalled: StalledProcesses;
  private syncAgent: SyncAgent | undefined;
  private policyFileTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private readonly problems = new Map<string, string>();
  private policyFileMtime = 0;
  private readonly startedAt = new Date().toISOString();

  private constructor(
    private readonly o: AgentOptions,
    initial: { policy: CompiledPolicy; source: PolicyInfo['source'] },
    private readonly compilePolicyFile: PolicyFileCompiler | undefined,
  ) {
    this.events = new RecentEvents(join(o.stateDir, 'recent-events.json'));
    this.stalled = StalledProcesses.load(o.stateDir);
    this.policy = this.withMode(initial.policy);
    this.policyInfo = this.infoFor(this.policy, initial.source);
    // Until a server policy names them, IT's managed config says which groups this device is in.
    this.device = { groups: o.managedConfig?.groups ?? [] };
    this.matcher = new Matcher(this.policy, this.device, undefined, undefined, (uid) => this.users.homeOf(uid));
    this.source = createProcessSource(o.watcher);
    const stopper = agentStopper(this.source);
    this.identification = new IdentificationPool({
      policy: this.policy,
      device: this.device,
      onHung: (h) => this.reportHungRead(h),
      onProblem: (text) => (text ? this.problem('identification', text) : this.problems.delete('identification')),
    });
    this.guard = new ProcessGuard({
      source: this.source,
      stopper,
      judge: (p, user) => this.identification.identify({ pid: p.pid, ppid: p.ppid, uid: p.uid, startTime: p.startTime, exe: p.exe, argv: p.argv, user, procDir: p.procDir }),
      users: this.users,
      scope: { uid: o.scope === 'user' && process.getuid ? process.getuid() : undefined, underPid: o.scopePid },
      record: (e) => this.record(e),
      onError: (err) => this.problem('watcher', `process watcher: ${(err as Error).message}`),
      skip: (p) => this.stalled.size > 0 && this.stalled.has(p.pid, p.startTime),
      onActing: (p) => this.watchdog?.doing(p ? `acting on pid ${p.pid} (${p.exe ?? p.argv[0] ?? '?'})` : '', p ?? undefined),
    });
    this.expiries = new ExpirySchedule(
      () => this.matcher.nextExpiry(),
      () => this.decisionsChanged('an exception expired'),
    );
    this.server = new StatusServer(
      o.socket,
      {
        status: (caller) => statusFor(caller, this.status(caller?.name)),
        eventsAfter: (id, limit, caller) => this.events.after(id, Infinity).filter((e) => eventVisibleTo(caller, e)).slice(0, limit),
        sync: (caller) => this.sync(caller),
        requestException: (input, caller) => this.requestException(input, caller),
        userName: (uid) => this.users.nameOf(uid),
      },
      o.scope === 'machine',
    );
  }

  static async start(o: AgentOptions): Promise<AgentRuntime> {
    const compiler = o.policyFile ? await loadPolicyFileCompiler() : undefined;
    const initial: { policy: CompiledPolicy; source: PolicyInfo['source']; mtime?: number } = compiler
      ? AgentRuntime.readPolicyFile(o.policyFile!, compiler)
      : { policy: await loadBuiltInPolicy(), source: 'built-in' };
    const agent = new AgentRuntime(o, initial, compiler);
    agent.policyFileMtime = initial.mtime ?? 0;
    if (o.watchdogStallMs) agent.watchdog = LoopWatchdog.start(o.stateDir, o.watchdogStallMs);
    // Before the guard's first tick: the process the last run stalled on must be skipped from the start.
    const stall = takeStallRecord(o.stateDir);
    if (stall?.process) agent.stalled.add({ ...stall.process, activity: stall.activity, at: stall.at });
    agent.events.load();
    if (agent.events.problem) {
      agent.problem('state', agent.events.problem);
      o.log.warn({ problem: agent.events.problem }, 'state file replaced');
    }
    if (o.managedConfigProblem) agent.problem('managed-config', o.managedConfigProblem);
    if (o.managedConfig) {
      // Opening puts the last good server policy in force (onPolicy) before the first tick.
      const { SyncAgent } = await import('./sync/sync-agent.ts');
      agent.syncAgent = await SyncAgent.open({
        config: o.managedConfig,
        stateDir: o.stateDir,
        agentVersion: o.agentVersion,
        onPolicy: (policy, info, device) => agent.applyPolicy(policy, info, device),
        health: () => agent.healthReport(),
        onEvent: (e) => agent.show(e),
        keychain: o.keychain,
        log: o.log,
      });
    }
    try {
      await agent.server.listen();
    } catch (err) {
      if (!(err instanceof StatusPipeTaken)) {
        // Not starting (another agent runs here): end the threads already started, or they keep this process
        // alive. Nothing is flushed: the state directory is the running agent's.
        await agent.identification.stop();
        await agent.syncAgent?.stop();
        await agent.watchdog?.stop();
        throw err;
      }
      // Enforcement needs no status API: keep enforcing, tell IT.
      agent.problem('status-pipe', err.message);
      agent.record({ id: crypto.randomUUID(), type: 'agent.error', at: new Date().toISOString(), message: err.message, detail: { operation: 'status-pipe', pipe: err.pipe } });
    }
    // Identification threads load the matcher in their own isolate (seconds on a loaded machine, more under tsx):
    // the agent is not ready until one can judge, so that no process waits unjudged after "ready".
    await agent.identification.ready();
    // The first pass judges every running process (and warms the identifier's caches): the exec guard starts
    // after it, so that its first questions do not wait behind that work and miss their deadline.
    if (o.execGuard !== 'off') {
      await agent.guard.tick().catch((err: unknown) => agent.problem('watcher', `process watcher: ${(err as Error).message}`));
      await agent.guard.settled(FIRST_PASS_WAIT_MS);
    }
    await agent.startExecEngine();
    agent.guard.start(agent.scanInterval());
    agent.expiries.arm();
    // The first pass runs in the background: enforcement must not wait for a walk of every home directory.
    agent.inventoryStarting = agent.startInventory().catch((err: unknown) => agent.problem('inventory', `inventory: ${(err as Error).message}`));
    if (o.policyFile) agent.policyFileTimer = setInterval(() => agent.reloadPolicyFile(), POLICY_FILE_CHECK_MS);
    if (stall) agent.reportStall(stall);
    if (o.managedSettings === 'on') {
      agent.vendorSettings = new ManagedSettingsKeeper({
        stateDir: o.stateDir,
        record: (e) => agent.record(e),
        onError: (err) => agent.problem('managed-settings', `vendor managed settings: ${(err as Error).message}`),
      });
      agent.vendorSettings.apply(managedSettingsPlan(agent.policy, agent.device));
    }
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

  private async startInventory(): Promise<void> {
    const mode = this.o.inventory ?? (this.o.scopePid ? 'report' : 'on');
    if (mode === 'off') return;
    const { InventoryJob } = await import('./inventory/inventory-job.ts');
    if (this.stopping) return;
    this.inventory = new InventoryJob({
      stateDir: this.o.stateDir,
      matcher: () => this.matcher,
      record: (e) => this.record(e),
      quarantine: mode === 'on',
      onPass: (items) => this.engine?.protect(protectedEntryFiles(items)),
      onError: (err) => this.problem('inventory', `inventory: ${(err as Error).message}`),
    });
    await this.inventory.start(this.policy.agent.inventoryIntervalSeconds);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.policyFileTimer);
    this.vendorSettings?.stop();
    this.expiries.stop();
    await this.engine?.stop();
    await this.inventory?.stop();
    await this.inventoryStarting;
    await this.guard.stop();
    await this.identification.stop();
    await this.syncAgent?.stop();
    await this.server.close();
    await this.watchdog?.stop();
    this.events.flush();
    this.o.log.info('agent stopped');
  }

  /**
   * Identification threads blocked in a kernel read: a process cannot exit normally while one is (Node waits for
   * every thread), so `cordon agent` ends itself with SIGKILL after a clean stop when this is not 0.
   */
  get stuckThreads(): number {
    return this.identification.stuck;
  }

  /** Records an event: journaled for the server first (fsync) when connected, then shown and logged. */
  record(recorded: AgentEvent): void {
    const event = capEventSize(recorded);
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

  private sync(caller: StatusCaller | undefined): Promise<StatusApiAnswer> {
    if (this.syncAgent) return syncAnswer(this.syncAgent, () => this.policyInfo, caller);
    // Not an error: an unconnected agent (a developer's `npm start`) simply has nothing to sync with.
    return Promise.resolve({
      status: 200,
      body: { sync: { state: 'not-configured' }, policy: this.policyInfo, enrolment: { state: 'not-configured' }, queue: { pending: 0, dropped: 0 } },
    });
  }

  private requestException(input: ExceptionRequestInput, caller: StatusCaller): Promise<StatusApiAnswer> {
    if (this.syncAgent) return exceptionRequestAnswer(this.syncAgent, input, caller.name!);
    const exceptionUrl = this.policy.exceptionUrl;
    return Promise.resolve({
      status: 409,
      body: {
        error: 'not-connected',
        message: `this agent is not connected to a Cordon server, so it cannot file a request for ${input.toolId}${exceptionUrl ? `; ask at ${exceptionUrl}` : '; ask your IT team'}`,
      },
    });
  }

  /** Puts a new policy in force (for this device, when the server names it): the next tick matches against it. */
  applyPolicy(policy: CompiledPolicy, info: PolicyInfo, device?: DeviceContext): void {
    const previous = this.policy;
    this.policy = this.withMode(policy);
    this.policyInfo = { ...info, digest: policyDigest(this.policy) };
    if (device) this.device = device;
    this.matcher = new Matcher(this.policy, this.device, undefined, undefined, (uid) => this.users.homeOf(uid));
    this.identification.setPolicy(this.policy, this.device);
    this.engine?.setPolicy(this.policy, this.device, this.failClosed());
    this.guard.setInterval(this.scanInterval());
    this.expiries.arm();
    this.decisionsChanged('the policy changed');
    this.vendorSettings?.apply(managedSettingsPlan(this.policy, this.device));
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
      failClosed: this.failClosed(),
      deadlineMs: this.o.execGuardDeadlineMs ?? DEFAULT_DEADLINE_MS,
      largeDeadlineMs: Math.min(10_000, Math.max(DEFAULT_LARGE_DEADLINE_MS, (this.o.execGuardDeadlineMs ?? DEFAULT_DEADLINE_MS) * 50)),
      policy: () => ({ policy: this.policy, device: this.device }),
      watchOpens: true,
      onPrevented: (q, d, user, caller) => prevented.report(q, d, user, caller),
      onLoaded: (pid, path, d) => void this.guard.loaded(pid, d, path),
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

  /** `--exec-guard fail-closed`, or the policy's agent.execGuardUnanswered: deny; fail-open otherwise. */
  private failClosed(): boolean {
    return this.o.execGuard === 'fail-closed' || this.policy.agent.execGuardUnanswered === 'deny';
  }

  private engineInfo() {
    // Asked before the exec guard's worker has started: say so, rather than look settled on polling.
    return this.engine?.info ?? { kind: this.source.kind, prevention: false, why: `${this.source.kind} polling until the exec guard has started` };
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

  private static readPolicyFile(file: string, compile: PolicyFileCompiler): { policy: CompiledPolicy; source: 'file'; mtime: number } {
    const mtime = statSync(file).mtimeMs;
    return { policy: compile(readFileSync(file, 'utf8'), file), source: 'file', mtime };
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
      const { policy } = AgentRuntime.readPolicyFile(file, this.compilePolicyFile!);
      this.policyFileMtime = mtime;
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

  /** A read that did not return in time while a process was identified: an event naming the path, for IT. */
  private reportHungRead(h: HungRead): void {
    const where = h.place.mount ? `${h.place.file} (the whole ${h.place.fsType} mount ${h.place.mount} is not read until it returns)` : `${h.place.file} (not read again until it returns)`;
    const then = h.retried ? 'judged again by what else is known' : 'left unjudged after repeated hangs';
    this.record({
      id: crypto.randomUUID(),
      type: 'agent.error',
      at: new Date().toISOString(),
      pid: h.process.pid,
      processStartTime: h.process.startTime,
      exe: h.process.exe ?? undefined,
      user: h.process.user,
      message: `unreadable, timed out: a read of ${where} did not return while identifying pid ${h.process.pid}; the process is ${then}`,
      detail: { operation: 'identify-timeout', path: h.place.file.slice(0, 1024), ...(h.place.mount ? { mount: h.place.mount, fsType: h.place.fsType ?? '' } : {}), stuckThreads: h.stuck, boundReached: h.boundReached, retried: h.retried },
    });
  }

  /** A stall the watchdog recorded before it killed the previous run: a health problem and an event for IT. */
  private reportStall(stall: StallRecord): void {
    const spared = stall.process ? `; pid ${stall.process.pid} is no longer identified, so that the agent keeps enforcing for everyone else` : '';
    const text = `the agent was restarted after its event loop stalled for ${(stall.stalledForMs / 1000).toFixed(1)} s at ${stall.at} while ${stall.activity || 'not identifying a process'}; enforcement paused until the restart${spared}`;
    this.problem('watchdog', text);
    this.record({ id: crypto.randomUUID(), type: 'agent.error', at: new Date().toISOString(), message: text, detail: { operation: 'watchdog', stalledForMs: stall.stalledForMs, stalledAt: stall.at, activity: stall.activity.slice(0, 512), ...(stall.process ? { skippedPid: stall.process.pid } : {}) } });
  }

  private problem(key: string, text: string): void {
    if (this.problems.get(key) !== text) this.o.log.warn({ problem: text }, key);
    this.problems.set(key, text);
  }
}
