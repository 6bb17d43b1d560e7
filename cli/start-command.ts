// `cordon start` (what `npm start` runs): Cordon whole on one machine — a local server with its embedded
// database, the agent (as the current user) connected to it, and the tray app where Electron and a display are
// available; anywhere else a clear word on what is missing, and the rest runs headless in the foreground.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { createAgentLog } from '../agent/agent-log.ts';
import { defaultAgentPaths } from '../agent/agent-paths.ts';
import { AgentRuntime } from '../agent/agent-runtime.ts';
import { requestAgent } from '../agent/status-client.ts';
import type { AgentStatus } from '../agent/status-types.ts';
import { APP_DIR, checkTray, headlessExplanation, runTray } from '../main/launch-tray.ts';
import { AGENT_VERSION } from './agent-version.ts';
import { LOCAL_SERVER_PORT, startLocalDeployment, type LocalDeployment } from './local-deployment.ts';
import { EXIT, parseFlags, pidFlag, untilStopSignal, UsageError, type Command } from './command.ts';

const USAGE = `cordon start [--headless] [--no-server] [--server-port N] [--state-dir DIR] [--socket PATH] [--scope-pid PID]
      starts a local Cordon server (embedded database in the state dir, http://127.0.0.1:${LOCAL_SERVER_PORT}), the agent
      as this user connected to it, and the tray app (Electron); without Electron or a display the server and
      agent run headless in the foreground until SIGINT/SIGTERM. The server starts with the built-in policy;
      "cordon admin" manages it (its admin token is printed).
      --headless       do not try the tray
      --no-server      no local server: the agent runs unconnected on the built-in policy
      --server-port N  the local server's port (0: any free port)
      --scope-pid PID  the headless agent enforces only on descendants of PID (try Cordon in one terminal; tests)`;

function openTray(electron: string): Promise<number> {
  process.stdout.write('cordon start: building the tray app…\n');
  execFileSync(process.execPath, ['--import', 'tsx', join(APP_DIR, 'scripts/build-app.ts')], { stdio: 'inherit', cwd: APP_DIR });
  return runTray(electron);
}

export const startCommand: Command = {
  name: 'start',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseFlags(args, {
      headless: { type: 'boolean' },
      'state-dir': { type: 'string' },
      socket: { type: 'string' },
      'scope-pid': { type: 'string' },
      'no-server': { type: 'boolean' },
      'server-port': { type: 'string' },
    });
    if (positionals.length) throw new UsageError(`unexpected "${positionals[0]}"`);
    const scopePid = pidFlag(values['scope-pid'], '--scope-pid');
    const serverPort = values['server-port'] === undefined ? LOCAL_SERVER_PORT : Number(values['server-port']);
    if (!Number.isInteger(serverPort) || serverPort < 0 || serverPort > 65535) throw new UsageError('--server-port must be a port number (0 for any free port)');
    const paths = defaultAgentPaths('user');
    const socket = values.socket ?? paths.socket;
    const stateDir = values['state-dir'] ?? paths.stateDir;
    const tray = checkTray();
    const withTray = !values.headless && tray.electron !== undefined && tray.missing.length === 0;

    // A service (or another `cordon start`) already enforcing: the tray shows it; no second agent.
    const running = await requestAgent<AgentStatus>('GET', '/v1/status', undefined, values.socket, 3000).catch(() => undefined);
    if (running?.status === 200) {
      process.stdout.write(`A Cordon agent is already running (${running.body.scope} scope, policy "${running.body.policy.name}", status on ${running.socket}); ${withTray ? 'opening the tray for it.' : 'nothing to start.'}\n`);
      return withTray ? openTray(tray.electron!) : EXIT.ok;
    }

    let local: LocalDeployment | undefined;
    if (!values['no-server']) {
      local = await startLocalDeployment(stateDir, serverPort);
      process.stdout.write(`Local Cordon server on ${local.server.url} (embedded database in ${local.server.dataDir}); admin token in ${local.adminTokenFile}, e.g. cordon admin devices --server ${local.server.url} --token-file ${local.adminTokenFile}\n`);
    }
    if (!withTray) process.stdout.write(`${values.headless ? `Running the Cordon agent headless in the foreground, as this user; status on ${socket}. Press Ctrl+C to stop it.` : headlessExplanation(tray.missing, socket)}\n`);
    const agent = await AgentRuntime.start({
      stateDir,
      socket,
      scope: 'user',
      scopePid,
      managedConfig: local?.config,
      agentVersion: AGENT_VERSION,
      log: createAgentLog(),
    });
    const s = agent.status();
    process.stdout.write(
      `cordon agent ${AGENT_VERSION}: ${s.mode === 'enforce' ? 'enforcing' : 'monitoring'} policy "${s.policy.name}" (${s.policy.source}) for this user${scopePid ? ` under pid ${scopePid}` : ''}${local ? `; connected to ${local.server.url}` : ''}\n`,
    );
    const ended = withTray
      ? openTray(tray.electron!).then((code) => `the tray exited (${code})`)
      : untilStopSignal();
    const why = await ended;
    await agent.stop();
    await local?.server.close();
    process.stdout.write(`cordon start: stopped on ${why}\n`);
    return EXIT.ok;
  },
};
