// Where the agent keeps its state and where its local status API listens, per OS and per scope.
// A machine agent (root/SYSTEM service) enforces for every user; a user agent (e.g. `npm start` on a developer's
// machine) only for its own user, and keeps everything under that user's home.
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';

export type AgentScope = 'machine' | 'user';

export function currentScope(): AgentScope {
  if (process.platform === 'win32') return process.env.USERNAME?.toUpperCase().endsWith('$') ? 'machine' : 'user';
  return process.getuid?.() === 0 ? 'machine' : 'user';
}

export interface AgentPaths {
  stateDir: string;
  socket: string;
}

export function defaultAgentPaths(scope: AgentScope = currentScope(), platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): AgentPaths {
  const home = env.HOME ?? homedir();
  if (platform === 'win32') {
    if (scope === 'machine') return { stateDir: join(env.ProgramData ?? 'C:\\ProgramData', 'Cordon'), socket: '\\\\.\\pipe\\cordon-agent' };
    return { stateDir: join(env.LOCALAPPDATA ?? join(home, 'AppData', 'Local'), 'Cordon'), socket: `\\\\.\\pipe\\cordon-agent-${userInfo().username}` };
  }
  if (platform === 'darwin') {
    if (scope === 'machine') return { stateDir: '/Library/Application Support/Cordon', socket: '/var/run/cordon/agent.sock' };
    const dir = join(home, 'Library', 'Application Support', 'Cordon');
    return { stateDir: dir, socket: join(dir, 'agent.sock') };
  }
  if (scope === 'machine') return { stateDir: '/var/lib/cordon', socket: '/run/cordon/agent.sock' };
  const stateDir = join(env.XDG_STATE_HOME ?? join(home, '.local', 'state'), 'cordon');
  // XDG_RUNTIME_DIR is per-user, 0700 and cleared at logout: the right home for a socket.
  return { stateDir, socket: env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'cordon', 'agent.sock') : join(stateDir, 'agent.sock') };
}

/**
 * The sockets a client (`cordon status`, the tray) tries, in order: CORDON_STATUS_SOCKET when set, else the
 * machine agent's, then this user's own agent's.
 */
export function statusSocketCandidates(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.CORDON_STATUS_SOCKET) return [env.CORDON_STATUS_SOCKET];
  return [...new Set([defaultAgentPaths('machine', platform, env).socket, defaultAgentPaths('user', platform, env).socket])];
}
