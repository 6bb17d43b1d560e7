// The agent's local status API (types in status-types.ts): JSON over HTTP on a Unix domain socket (Windows: a
// named pipe). Local users may read status and events, ask for a sync and file an exception request; nothing
// here can change the mode, the policy or what is blocked.
import { chmodSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import type { AgentEvent, AgentStatus, ExceptionRequestInput } from './status-types.ts';

export interface StatusApiAnswer {
  status: number;
  body: unknown;
}

export interface StatusApiHandlers {
  status(user: string | undefined): AgentStatus;
  eventsAfter(id: string | undefined, limit: number): AgentEvent[];
  sync(): Promise<StatusApiAnswer>;
  requestException(input: ExceptionRequestInput, user: string | undefined): Promise<StatusApiAnswer>;
}

const MAX_BODY = 64 * 1024;

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class StatusServer {
  private server: Server | undefined;

  constructor(
    private readonly socketPath: string,
    private readonly handlers: StatusApiHandlers,
    /** machine: socket readable and writable by every local user; user: by its owner only. */
    private readonly shared: boolean,
  ) {}

  async listen(): Promise<void> {
    if (process.platform !== 'win32') await this.clearStaleSocket();
    const server = createServer((req, res) => void this.handle(req, res));
    server.requestTimeout = 30_000;
    server.headersTimeout = 10_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
    if (process.platform !== 'win32') chmodSync(this.socketPath, this.shared ? 0o666 : 0o600);
    this.server = server;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Refuses to start beside a live agent; removes a socket left by one that died. Never removes a non-socket. */
  private async clearStaleSocket(): Promise<void> {
    mkdirSync(dirname(this.socketPath), { recursive: true, mode: this.shared ? 0o755 : 0o700 });
    let st;
    try {
      st = lstatSync(this.socketPath);
    } catch {
      return;
    }
    if (!st.isSocket()) throw new Error(`${this.socketPath} exists and is not a socket; refusing to replace it`);
    const alive = await new Promise<boolean>((resolve) => {
      const c = connect(this.socketPath);
      c.once('connect', () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (alive) throw new Error(`another Cordon agent is already running (it answers on ${this.socketPath})`);
    unlinkSync(this.socketPath);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let answer: StatusApiAnswer;
    try {
      answer = await this.route(req);
    } catch (err) {
      answer =
        err instanceof HttpProblem
          ? { status: err.status, body: { error: err.code, message: err.message } }
          : { status: 500, body: { error: 'internal', message: 'the agent could not answer; see its log' } };
    }
    const text = JSON.stringify(answer.body);
    res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
    res.end(text);
  }

  private async route(req: IncomingMessage): Promise<StatusApiAnswer> {
    const url = new URL(req.url ?? '/', 'http://agent');
    const user = url.searchParams.get('user') ?? undefined;
    const only = (method: string) => {
      if (req.method !== method) throw new HttpProblem(405, 'method-not-allowed', `${url.pathname} takes ${method}`);
    };
    switch (url.pathname) {
      case '/v1/status':
        only('GET');
        return { status: 200, body: this.handlers.status(user) };
      case '/v1/events': {
        only('GET');
        const limitText = url.searchParams.get('limit');
        const limit = limitText === null ? 100 : Number(limitText);
        if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new HttpProblem(400, 'bad-request', 'limit: must be an integer from 1 to 1000');
        return { status: 200, body: { events: this.handlers.eventsAfter(url.searchParams.get('after') ?? undefined, limit) } };
      }
      case '/v1/sync':
        only('POST');
        return this.handlers.sync();
      case '/v1/exception-requests': {
        only('POST');
        const body = await readJson(req);
        const problems = exceptionInputProblems(body);
        if (problems.length) throw new HttpProblem(400, 'bad-request', problems.join('; '));
        return this.handlers.requestException(body as ExceptionRequestInput, user);
      }
      default:
        throw new HttpProblem(404, 'not-found', `no such endpoint: ${url.pathname} (try /v1/status)`);
    }
  }
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new HttpProblem(413, 'too-large', `the body is larger than ${MAX_BODY} bytes`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(new HttpProblem(400, 'bad-request', 'the body is not valid JSON'));
      }
    });
    req.on('error', reject);
  });
}

export function exceptionInputProblems(body: unknown): string[] {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return ['body: must be a JSON object {toolId, reason, days}'];
  const b = body as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof b.toolId !== 'string' || !/^[a-z0-9][a-z0-9-]{0,63}$/.test(b.toolId)) problems.push('toolId: must be a catalog tool id such as "claude-code"');
  if (typeof b.reason !== 'string' || !b.reason.trim() || b.reason.length > 2000) problems.push('reason: a business reason (1 to 2000 characters) is required');
  if (typeof b.days !== 'number' || !Number.isInteger(b.days) || b.days < 1 || b.days > 90) problems.push('days: must be a whole number of days from 1 to 90');
  for (const k of Object.keys(b)) if (!['toolId', 'reason', 'days'].includes(k)) problems.push(`${k}: unknown field`);
  return problems;
}
