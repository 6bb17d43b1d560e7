// The agent's local status API (types in status-types.ts): JSON over HTTP on a Unix domain socket (Windows: a
// named pipe). Local users may read status and events, ask for a sync and file an exception request; nothing
// here can change the mode, the policy or what is blocked. Every caller is hostile: who they are comes from the
// kernel (peer credentials), never from the request; each uid has its own connection cap and request budget, and
// requests are bounded in size and time, so one user's flood cannot starve another's answers or enforcement.
import { chmodSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { peerCredentialsOf } from './peer-identity/peer-credentials.ts';
import type { StatusCaller } from './status-caller.ts';
import { RateLimiter } from './status-rate-limit.ts';
import type { AgentEvent, AgentStatus, ExceptionRequestInput } from './status-types.ts';

export interface StatusApiAnswer {
  status: number;
  body: unknown;
}

/** caller is undefined when the kernel could not say who it is: such a caller gets no per-user data. */
export interface StatusApiHandlers {
  status(caller: StatusCaller | undefined): AgentStatus;
  eventsAfter(id: string | undefined, limit: number, caller: StatusCaller | undefined): AgentEvent[];
  sync(caller: StatusCaller | undefined): Promise<StatusApiAnswer>;
  requestException(input: ExceptionRequestInput, caller: StatusCaller): Promise<StatusApiAnswer>;
  /** uid → account name. */
  userName(uid: number): string | undefined;
}

/** A request body is {toolId, reason (≤ 2000 characters), days}: 16 KiB is room enough. */
const MAX_BODY = 16 * 1024;
const MAX_CONNECTIONS = 256;
/** Open connections one uid may hold (a slowloris from one user leaves room for everyone else). */
const MAX_CONNECTIONS_PER_UID = 16;
/** Any request, per uid. */
const REQUESTS = { burst: 60, perSecond: 20 };
/** Exception requests, per uid: a few at once, then one every 10 minutes. */
const EXCEPTION_REQUESTS = { burst: 5, perSecond: 1 / 600 };
/** Syncs reach the Cordon server: a couple at once, then one every 30 s. */
const SYNCS = { burst: 3, perSecond: 1 / 30 };
const UNKNOWN = 'unknown';

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Windows: the pipe existed before the agent created it. libuv creates a pipe server's first instance with
 * FILE_FLAG_FIRST_PIPE_INSTANCE and reports EADDRINUSE when another process holds the name: someone is squatting it
 * (or an earlier agent is still running). The agent does not serve there and never connects to it.
 */
export class StatusPipeTaken extends Error {
  constructor(readonly pipe: string) {
    super(`${pipe} was already created by another process (FILE_FLAG_FIRST_PIPE_INSTANCE refused): possibly a process squatting the agent's pipe to impersonate it, or an agent still running; the status API is not served and clients refuse a server that is not the service`);
  }
}

export class StatusServer {
  private server: Server | undefined;
  private readonly callers = new WeakMap<Socket, StatusCaller | undefined>();
  private readonly openPerUid = new Map<string, number>();
  private readonly limits = { any: new RateLimiter(REQUESTS), exception: new RateLimiter(EXCEPTION_REQUESTS), sync: new RateLimiter(SYNCS) };

  constructor(
    private readonly socketPath: string,
    private readonly handlers: StatusApiHandlers,
    /** machine: socket readable and writable by every local user; user: by its owner only. */
    private readonly shared: boolean,
  ) {}

  async listen(): Promise<void> {
    if (process.platform !== 'win32') await this.clearStaleSocket();
    const server = createServer({ maxHeaderSize: 8 * 1024, requestTimeout: 10_000, headersTimeout: 5_000, keepAliveTimeout: 5_000 }, (req, res) => void this.handle(req, res));
    server.maxConnections = MAX_CONNECTIONS;
    // A connection that sends nothing (half-open, slowloris between requests) is closed.
    server.timeout = 15_000;
    server.maxRequestsPerSocket = 100;
    server.on('connection', (socket: Socket) => this.admit(socket));
    server.on('clientError', (_err, socket: Socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      const refused = (err: NodeJS.ErrnoException) => reject(process.platform === 'win32' && err.code === 'EADDRINUSE' ? new StatusPipeTaken(this.socketPath) : err);
      server.once('error', refused);
      // Windows: every user must reach the machine agent's pipe (Everyone read/write, uv_pipe_chmod). Clients prove
      // the server end is the service before talking (windows/verified-pipe-request.ts).
      const everyone = process.platform === 'win32' && this.shared;
      server.listen({ path: this.socketPath, readableAll: everyone, writableAll: everyone }, () => {
        server.off('error', refused);
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

  /** Reads the caller's identity once, at connect (the kernel's record of who connected), and caps connections per uid. */
  private admit(socket: Socket): void {
    const creds = peerCredentialsOf(socket);
    const caller: StatusCaller | undefined = creds && {
      uid: creds.uid,
      pid: creds.pid,
      name: this.handlers.userName(creds.uid),
      seesAll: creds.uid === 0 || creds.uid === process.getuid?.(),
    };
    const key = caller ? String(caller.uid) : UNKNOWN;
    const open = this.openPerUid.get(key) ?? 0;
    if (open >= MAX_CONNECTIONS_PER_UID) {
      socket.destroy();
      return;
    }
    this.callers.set(socket, caller);
    this.openPerUid.set(key, open + 1);
    socket.once('close', () => {
      const n = (this.openPerUid.get(key) ?? 1) - 1;
      if (n > 0) this.openPerUid.set(key, n);
      else this.openPerUid.delete(key);
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let answer: StatusApiAnswer;
    try {
      answer = await this.route(req, this.callers.get(req.socket));
    } catch (err) {
      answer =
        err instanceof HttpProblem
          ? { status: err.status, body: { error: err.code, message: err.message } }
          : { status: 500, body: { error: 'internal', message: 'the agent could not answer; see its log' } };
    }
    if (res.destroyed) return;
    const text = JSON.stringify(answer.body);
    res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
    res.end(text);
  }

  private async route(req: IncomingMessage, caller: StatusCaller | undefined): Promise<StatusApiAnswer> {
    const key = caller ? String(caller.uid) : UNKNOWN;
    // Root and the agent's own user are not rate-limited: they can stop the agent anyway, so a limit would protect
    // nothing and only make IT's `cordon sync` fail. Every other user, and an unidentified caller, is.
    const limited = caller?.seesAll !== true;
    if (limited) this.limit('any', key, 'requests');
    const url = new URL(req.url ?? '/', 'http://agent');
    const only = (method: string) => {
      if (req.method !== method) throw new HttpProblem(405, 'method-not-allowed', `${url.pathname} takes ${method}`);
    };
    switch (url.pathname) {
      case '/v1/status':
        only('GET');
        return { status: 200, body: this.handlers.status(caller) };
      case '/v1/events': {
        only('GET');
        const limitText = url.searchParams.get('limit');
        const limit = limitText === null ? 100 : Number(limitText);
        if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new HttpProblem(400, 'bad-request', 'limit: must be an integer from 1 to 1000');
        return { status: 200, body: { events: this.handlers.eventsAfter(url.searchParams.get('after') ?? undefined, limit, caller) } };
      }
      case '/v1/sync':
        only('POST');
        if (limited) this.limit('sync', key, 'syncs');
        return this.handlers.sync(caller);
      case '/v1/exception-requests': {
        only('POST');
        if (!caller?.name)
          throw new HttpProblem(403, 'unknown-caller', 'the agent cannot tell which user is asking (no peer credentials for this connection), so it files no request');
        const body = await readJson(req);
        const problems = exceptionInputProblems(body);
        if (problems.length) throw new HttpProblem(400, 'bad-request', problems.join('; '));
        this.limit('exception', key, 'exception requests');
        return this.handlers.requestException(body as ExceptionRequestInput, caller);
      }
      default:
        throw new HttpProblem(404, 'not-found', `no such endpoint: ${url.pathname} (try /v1/status)`);
    }
  }

  private limit(which: keyof StatusServer['limits'], key: string, what: string): void {
    const waitMs = this.limits[which].take(key);
    if (waitMs > 0) throw new HttpProblem(429, 'rate-limited', `too many ${what} from this user; try again in ${Math.ceil(waitMs / 1000)} s`);
  }
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length'] ?? 0) > MAX_BODY) {
      reject(new HttpProblem(413, 'too-large', `the body is larger than ${MAX_BODY} bytes`));
      return;
    }
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
