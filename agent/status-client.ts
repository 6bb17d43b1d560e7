// Client side of the agent's local status API (agent/status-types.ts): HTTP over a Unix domain socket
// (Windows: a named pipe). Used by `cordon status`, `cordon sync`, `cordon request-exception` and the tray.
import { request } from 'node:http';
import { defaultAgentPaths, statusSocketCandidates } from './agent-paths.ts';
import { UntrustedPipeServer, verifiedPipeRequest } from './windows/verified-pipe-request.ts';

export class AgentUnreachable extends Error {}

export interface ApiResponse<T> {
  status: number;
  body: T;
}

const MAX_ANSWER = 4 * 1024 * 1024;

export function statusApiRequest<T>(socketPath: string, method: string, path: string, body?: unknown, timeoutMs = 120_000): Promise<ApiResponse<T>> {
  // Windows: the machine agent's pipe is answered only after its server end is shown to be the service.
  if (process.platform === 'win32' && socketPath === defaultAgentPaths('machine', 'win32').socket) return windowsServiceRequest<T>(socketPath, method, path, body, timeoutMs);
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        socketPath,
        method,
        path,
        headers: { accept: 'application/json', ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) },
        timeout: timeoutMs,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
          if (text.length > MAX_ANSWER) req.destroy(new Error('the agent sent an answer larger than 4 MiB'));
        });
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as T });
          } catch {
            reject(new Error(`the agent answered HTTP ${res.statusCode} with something that is not JSON`));
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from the agent within ${timeoutMs / 1000} s`)));
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') reject(new AgentUnreachable(`the Cordon agent is not running (nothing listens on ${socketPath})`));
      else if (err.code === 'EACCES') reject(new AgentUnreachable(`no permission to talk to the agent on ${socketPath}`));
      else reject(err);
    });
    if (payload) req.write(payload);
    req.end();
  });
}

async function windowsServiceRequest<T>(pipe: string, method: string, path: string, body: unknown, timeoutMs: number): Promise<ApiResponse<T>> {
  let answer: { status: number; body: string };
  try {
    // Starting PowerShell and compiling its one P/Invoke takes seconds on a busy machine: never less than 20 s.
    answer = await verifiedPipeRequest(pipe, method, path, body === undefined ? undefined : JSON.stringify(body), Math.max(timeoutMs, 20_000));
  } catch (err) {
    if (err instanceof UntrustedPipeServer) throw new AgentUnreachable(err.message);
    if (/ENOENT|cannot find|All pipe instances|TimeoutException|timed out/i.test((err as Error).message)) throw new AgentUnreachable(`the Cordon agent service is not answering on ${pipe}`);
    throw err;
  }
  if (answer.body.length > MAX_ANSWER) throw new Error('the agent sent an answer larger than 4 MiB');
  try {
    return { status: answer.status, body: JSON.parse(answer.body) as T };
  } catch {
    throw new Error(`the agent answered HTTP ${answer.status} with something that is not JSON`);
  }
}

/**
 * Sends the request to the first agent that answers: the given socket, or the machine agent then this user's.
 * Throws AgentUnreachable naming every place it looked when none does.
 */
export async function requestAgent<T>(method: string, path: string, body?: unknown, socket?: string, timeoutMs?: number): Promise<ApiResponse<T> & { socket: string }> {
  const candidates = socket ? [socket] : statusSocketCandidates();
  const misses: string[] = [];
  for (const s of candidates) {
    try {
      return { ...(await statusApiRequest<T>(s, method, path, body, timeoutMs)), socket: s };
    } catch (err) {
      if (!(err instanceof AgentUnreachable)) throw err;
      misses.push(err.message);
    }
  }
  throw new AgentUnreachable(misses.length === 1 ? misses[0] : `the Cordon agent is not running (looked on ${candidates.join(' and ')})`);
}
