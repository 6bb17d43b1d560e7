// `cordon agent`: the endpoint agent in the foreground, until SIGTERM/SIGINT (a service manager runs it).
import { createAgentLog } from '../agent/agent-log.ts';
import { currentScope, defaultAgentPaths } from '../agent/agent-paths.ts';
import { AgentRuntime } from '../agent/agent-runtime.ts';
import { readProcStat } from '../agent/process/proc-fs.ts';
import { lstatSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { managedConfigPath } from '../agent/sync/managed-config-path.ts';
import type { ManagedConfig } from '../agent/sync/managed-config.ts';
import { WATCHER_KINDS, type WatcherKind } from '../agent/process/create-process-source.ts';
import { AGENT_VERSION } from './agent-version.ts';
import { EXIT, parseFlags, pidFlag, untilStopSignal, UsageError, type Command } from './command.ts';

const USAGE = `cordon agent [--policy FILE] [--mode enforce|monitor] [--state-dir DIR] [--socket PATH] [--scope-pid PID] [--watcher KIND]
             [--inventory on|report|off] [--watchdog-seconds N] [--exec-guard on|off|fail-closed]
             [--exec-guard-deadline-ms N] [--managed-settings on|off]
      runs the agent until SIGTERM/SIGINT. With no flags: the built-in policy, the per-OS state dir and socket.
      As root it enforces for every user; as a normal user, on that user's processes only.
      --scope-pid PID  enforce only on descendants of PID (try Cordon in one terminal; tests)
      --watcher KIND   procfs (Linux default), ps (macOS default) or systeminformation (Windows default)
      --inventory M    installed-tool inventory: on (report, and quarantine where the policy says; default),
                       report (never move files; the default with --scope-pid), off
      --watchdog-seconds N  restart-by-exit when the agent's event loop is stuck N s (default 60, 2 to 3600):
                       a stall record is left for the next start to report, and the service manager restarts it
      --exec-guard M   Linux, as root: deny banned programs at exec time (fanotify): on (default, fail-open when
                       the agent cannot answer in time), off, or fail-closed (see docs/developers/exec-guard.md)
      --exec-guard-deadline-ms N  how long an exec of a file not judged before waits for the agent (default 40;
                       a new file over 8 MiB waits up to 50 times that, at most 10 s)
      --managed-settings M  write the vendors' machine-wide managed settings the policy asks for (Claude Code,
                       Codex): on (default for a machine agent) or off (default for a user agent or --scope-pid)`;

const DEFAULT_WATCHDOG_SECONDS = 60;

export const agentCommand: Command = {
  name: 'agent',
  usage: USAGE,
  async run(args) {
    // A long-running service with a ~5 MB heap: V8 sizes the young generation for throughput (semi-spaces grow
    // to 16 MB and are not given back). 1 MB keeps ~7 MB off the agent's resident memory; the price is more,
    // tiny, scavenges. Only this process: the tray's in-process agent keeps Electron's defaults.
    setFlagsFromString('--max-semi-space-size=1');
    const { values, positionals } = parseFlags(args, {
      policy: { type: 'string' },
      mode: { type: 'string' },
      'state-dir': { type: 'string' },
      socket: { type: 'string' },
      'scope-pid': { type: 'string' },
      watcher: { type: 'string' },
      inventory: { type: 'string' },
      'watchdog-seconds': { type: 'string' },
      'exec-guard': { type: 'string' },
      'exec-guard-deadline-ms': { type: 'string' },
      'managed-settings': { type: 'string' },
    });
    const managedSettings = values['managed-settings'];
    if (managedSettings !== undefined && managedSettings !== 'on' && managedSettings !== 'off') throw new UsageError('--managed-settings must be on or off');
    const watchdogSeconds = values['watchdog-seconds'] === undefined ? DEFAULT_WATCHDOG_SECONDS : Number(values['watchdog-seconds']);
    if (!Number.isInteger(watchdogSeconds) || watchdogSeconds < 2 || watchdogSeconds > 3600) throw new UsageError('--watchdog-seconds must be an integer from 2 to 3600');
    if (values.inventory !== undefined && !['on', 'report', 'off'].includes(values.inventory)) throw new UsageError('--inventory must be on, report or off');
    if (values.watcher !== undefined && !(WATCHER_KINDS as readonly string[]).includes(values.watcher)) throw new UsageError(`--watcher must be one of ${WATCHER_KINDS.join(', ')}`);
    const execGuard = values['exec-guard'];
    if (execGuard !== undefined && execGuard !== 'on' && execGuard !== 'off' && execGuard !== 'fail-closed') throw new UsageError('--exec-guard must be on, off or fail-closed');
    const deadlineFlag = values['exec-guard-deadline-ms'];
    const execGuardDeadlineMs = deadlineFlag === undefined ? undefined : Number(deadlineFlag);
    if (execGuardDeadlineMs !== undefined && !(Number.isInteger(execGuardDeadlineMs) && execGuardDeadlineMs >= 1 && execGuardDeadlineMs <= 10_000)) throw new UsageError('--exec-guard-deadline-ms must be an integer from 1 to 10000');
    if (positionals.length) throw new UsageError(`unexpected "${positionals[0]}"`);
    if (values.mode !== undefined && values.mode !== 'enforce' && values.mode !== 'monitor') throw new UsageError('--mode must be enforce or monitor');
    const scopePid = pidFlag(values['scope-pid'], '--scope-pid');
    const scope = currentScope();
    const paths = defaultAgentPaths(scope);
    const log = createAgentLog();
    // IT's managed config connects the agent to the server. A broken one must not leave the machine
    // unprotected: the agent enforces anyway (unconnected) and says why in status and the log.
    let managedConfig: ManagedConfig | undefined;
    let managedConfigProblem: string | undefined;
    try {
      // Validating the config takes the YAML parser and TypeBox: loaded only on a machine that has one.
      if (lstatSync(managedConfigPath(), { throwIfNoEntry: false })) managedConfig = (await import('../agent/sync/managed-config.ts')).loadManagedConfig();
    } catch (err) {
      managedConfigProblem = `managed config ${managedConfigPath()} is unusable, so this agent is not connected to the server: ${(err as Error).message}`;
      log.error({ problem: managedConfigProblem }, 'managed config rejected');
    }
    if (managedConfig && values.policy) throw new UsageError(`--policy cannot be used on a managed machine: the policy comes from ${managedConfig.serverUrl} (managed config ${managedConfig.source})`);
    // Listening for a stop before starting: the status socket answers while start-up still runs (threads, the
    // exec guard, the first pass), and a SIGTERM then must stop the agent cleanly, not kill it by default action.
    const stopSignal = untilStopSignal();
    const agent = await AgentRuntime.start({
      managedConfig,
      managedConfigProblem,
      stateDir: values['state-dir'] ?? paths.stateDir,
      socket: values.socket ?? paths.socket,
      scope,
      policyFile: values.policy,
      // A managed value beats a local flag: whoever can start the agent cannot loosen IT's setting.
      mode: managedConfig?.overrides.mode ?? (values.mode as 'enforce' | 'monitor' | undefined),
      scopePid,
      watcher: values.watcher as WatcherKind | undefined,
      inventory: values.inventory as 'on' | 'report' | 'off' | undefined,
      execGuard,
      execGuardDeadlineMs,
      // Machine-wide files: a trial or test agent (scoped, or a user's) never writes them unless asked to.
      managedSettings: managedSettings ?? (scope === 'machine' && scopePid === undefined ? 'on' : 'off'),
      agentVersion: AGENT_VERSION,
      log,
      watchdogStallMs: watchdogSeconds * 1000,
    });
    const s = agent.status();
    process.stdout.write(
      `cordon agent ${AGENT_VERSION}: ${s.mode === 'enforce' ? 'enforcing' : 'monitoring'} policy "${s.policy.name}" (${s.policy.source}) for ${scope === 'machine' ? 'every user' : 'this user'}${scopePid ? ` under pid ${scopePid}` : ''}${managedConfig ? `; server ${managedConfig.serverUrl}` : ''}; status on ${values.socket ?? paths.socket}\n`,
    );
    await Promise.race([stopSignal, scopePid !== undefined ? untilScopeEnds(scopePid) : new Promise<never>(() => {})]);
    await agent.stop();
    if (agent.stuckThreads > 0) {
      // Node waits for every thread before exiting, and a thread blocked in a kernel read (a hung mount) never
      // ends: everything is stopped and flushed, so end the process the one way that does not wait for it.
      log.warn({ stuckThreads: agent.stuckThreads }, 'identification threads are stuck in kernel reads; the agent ends with SIGKILL');
      process.kill(process.pid, 'SIGKILL');
    }
    return EXIT.ok;
  },
};

/**
 * Resolves when the process a scoped agent serves is gone (or its pid now names another process): a trial or
 * test agent must not outlive its scope, or it would enforce on whatever process is given that pid next.
 */
function untilScopeEnds(pid: number): Promise<void> {
  const started = readProcStat(pid)?.startTime;
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      if (started === undefined || readProcStat(pid)?.startTime !== started) {
        clearInterval(timer);
        process.stderr.write(`cordon agent: process ${pid} (the --scope-pid) has ended; stopping\n`);
        resolve();
      }
    }, 1000);
    timer.unref();
  });
}
