// `cordon start` (what `npm start` runs): the tray app where Electron and a display are available; anywhere
// else, a clear word on what is missing and the agent headless in the foreground as the current user.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { createAgentLog } from '../agent/agent-log.ts';
import { defaultAgentPaths } from '../agent/agent-paths.ts';
import { AgentRuntime } from '../agent/agent-runtime.ts';
import { requestAgent } from '../agent/status-client.ts';
import type { AgentStatus } from '../agent/status-types.ts';
import { APP_DIR, checkTray, headlessExplanation, runTray } from '../main/launch-tray.ts';
import { AGENT_VERSION } from './agent-version.ts';
import { EXIT, parseFlags, UsageError, type Command } from './command.ts';

const USAGE = `cordon start [--headless] [--state-dir DIR] [--socket PATH] [--scope-pid PID]
      opens the tray app (Electron); without Electron or a display, runs the agent headless in the foreground
      as this user until SIGINT/SIGTERM. With no flags: the built-in policy and this user's per-OS paths.
      --headless       do not try the tray
      --scope-pid PID  the headless agent enforces only on descendants of PID (try Cordon in one terminal; tests)`;

export const startCommand: Command = {
  name: 'start',
  summary: 'open the tray app, or run the agent headless where there is no Electron or display',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseFlags(args, {
      headless: { type: 'boolean' },
      'state-dir': { type: 'string' },
      socket: { type: 'string' },
      'scope-pid': { type: 'string' },
    });
    if (positionals.length) throw new UsageError(`unexpected "${positionals[0]}"`);
    const scopePid = values['scope-pid'] === undefined ? undefined : Number(values['scope-pid']);
    if (scopePid !== undefined && (!Number.isInteger(scopePid) || scopePid < 1)) throw new UsageError('--scope-pid must be a process id');
    const paths = defaultAgentPaths('user');
    const socket = values.socket ?? paths.socket;

    const tray = checkTray();
    if (!values.headless && tray.electron && tray.missing.length === 0) {
      process.stdout.write('cordon start: building the tray app…\n');
      execFileSync(process.execPath, ['--import', 'tsx', join(APP_DIR, 'scripts/build-app.ts')], { stdio: 'inherit', cwd: APP_DIR });
      return runTray(tray.electron);
    }

    // A service (or another `cordon start`) already enforcing: say so rather than start a second agent.
    const running = await requestAgent<AgentStatus>('GET', '/v1/status', undefined, values.socket, 3000).catch(() => undefined);
    if (running?.status === 200) {
      process.stdout.write(`A Cordon agent is already running (${running.body.scope} scope, policy "${running.body.policy.name}", status on ${running.socket}); nothing to start.\n`);
      return EXIT.ok;
    }
    process.stdout.write(`${values.headless ? `Running the Cordon agent headless in the foreground, as this user; status on ${socket}. Press Ctrl+C to stop it.` : headlessExplanation(tray.missing, socket)}\n`);
    const agent = await AgentRuntime.start({
      stateDir: values['state-dir'] ?? paths.stateDir,
      socket,
      scope: 'user',
      scopePid,
      agentVersion: AGENT_VERSION,
      log: createAgentLog(),
    });
    const s = agent.status();
    process.stdout.write(`cordon agent ${AGENT_VERSION}: ${s.mode === 'enforce' ? 'enforcing' : 'monitoring'} policy "${s.policy.name}" (${s.policy.source}) for this user${scopePid ? ` under pid ${scopePid}` : ''}\n`);
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGTERM', resolve);
      process.once('SIGINT', resolve);
    });
    await agent.stop();
    process.stdout.write(`cordon start: stopped on ${signal}\n`);
    return EXIT.ok;
  },
};
