// HTTP client for the agent API of the Cordon server (/v1, contract in the README). Every request has a deadline
// (a hanging server must not hang the agent), every answer is size-capped and shape-checked, and every failure
// becomes a ServerError saying what kind it was, so the caller can pick: back off, re-enrol, or give up.
import type { AgentEvent, ExceptionRequestInfo, InstalledTool } from '../status-types.ts';
import type { Mode } from '../../policy/index.ts';

export type ServerErrorKind = 'network' | 'timeout' | 'http' | 'invalid-token' | 'garbage';

export class ServerError extends Error {
  constructor(
    readonly kind: ServerErrorKind,
    message: string,
    readonly status?: number,
    readonly code?: string,
    /** The server's Retry-After (429, 503), in milliseconds. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'ServerError';
  }

  /** Worth trying again later (the server or the network may recover); a 4xx other than 408/429 is not. */
  get retryable(): boolean {
    if (this.kind !== 'http') return this.kind !== 'invalid-token';
    return this.status === undefined || this.status >= 500 || this.status === 408 || this.status === 429;
  }
}

export interface DeviceDescription {
  hostname: string;
  os: string;
  arch: string;
  user: string;
  agentVersion: string;
  tags: string[];
}

export interface HeartbeatBody {
  agentVersion: string;
  mode: Mode;
  policy: { id: string; serial: number | null; digest: string };
  queue: { pending: number; dropped: number };
  health: { watcher: string; problems: string[] };
  installed: InstalledTool[];
}

export type PolicyAnswer = { status: 304 } | { status: 200; text: string; etag: string | undefined };

export interface EventsAnswer {
  durable: string[];
  rejected: { id: string; problem: string }[];
}

const MAX_ANSWER_BYTES = 5 * 1024 * 1024;

const NETWORK_FAILURES: Record<string, string> = {
  ECONNREFUSED: 'connection refused: the server is not running or not listening there',
  ENOTFOUND: 'no such host (DNS)',
  EAI_AGAIN: 'DNS lookup failed (offline?)',
  EHOSTUNREACH: 'host unreachable (offline?)',
  ENETUNREACH: 'network unreachable (offline?)',
  ECONNRESET: 'the connection was reset',
  UND_ERR_SOCKET: 'the server closed the connection',
  UND_ERR_CONNECT_TIMEOUT: 'could not connect in time',
};

export class ServerClient {
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs = 30_000,
  ) {}

  /** `again`: enrol again as this device id, its serials continuing above `serialFloor`. */
  async enrol(secret: string, device: DeviceDescription, again: { deviceId?: string; serialFloor?: number } = {}): Promise<{ deviceId: string; token: string }> {
    const body = await this.json('POST', '/v1/enrol', undefined, { secret, device, ...again });
    if (typeof body.deviceId !== 'string' || typeof body.token !== 'string' || !body.deviceId || !body.token)
      throw new ServerError('garbage', 'the enrolment answer has no deviceId and token');
    return { deviceId: body.deviceId, token: body.token };
  }

  async policy(token: string, etag: string | undefined): Promise<PolicyAnswer> {
    const res = await this.request('GET', '/v1/policy', token, undefined, etag ? { 'if-none-match': etag } : {});
    if (res.status === 304) return { status: 304 };
    return { status: 200, text: res.text, etag: res.headers.get('etag') ?? undefined };
  }

  async events(token: string, events: AgentEvent[]): Promise<EventsAnswer> {
    const body = await this.json('POST', '/v1/events', token, { events });
    const durable = body.durable;
    const rejected = body.rejected ?? [];
    if (!Array.isArray(durable) || !durable.every((id) => typeof id === 'string') || !Array.isArray(rejected))
      throw new ServerError('garbage', 'the events answer has no list of durable ids');
    return {
      durable: durable as string[],
      rejected: (rejected as unknown[]).filter(
        (r): r is { id: string; problem: string } => !!r && typeof (r as { id: unknown }).id === 'string',
      ),
    };
  }

  async heartbeat(token: string, body: HeartbeatBody): Promise<{ serverTime?: string }> {
    const answer = await this.json('POST', '/v1/heartbeat', token, body);
    return { serverTime: typeof answer.serverTime === 'string' ? answer.serverTime : undefined };
  }

  async requestException(token: string, body: { toolId: string; reason: string; days: number; user: string }): Promise<ExceptionRequestInfo> {
    const answer = await this.json('POST', '/v1/exception-requests', token, body);
    if (typeof answer.id !== 'string' || typeof answer.status !== 'string') throw new ServerError('garbage', 'the exception request answer has no id and status');
    return answer as unknown as ExceptionRequestInfo;
  }

  async exceptionRequests(token: string): Promise<ExceptionRequestInfo[]> {
    const answer = await this.json('GET', '/v1/exception-requests', token);
    if (!Array.isArray(answer.requests)) throw new ServerError('garbage', 'the exception request list has no requests');
    return (answer.requests as unknown[]).filter((r): r is ExceptionRequestInfo => !!r && typeof (r as ExceptionRequestInfo).id === 'string');
  }

  private async json(method: string, path: string, token: string | undefined, body?: unknown): Promise<Record<string, unknown>> {
    const res = await this.request(method, path, token, body);
    let value: unknown;
    try {
      value = JSON.parse(res.text);
    } catch {
      throw new ServerError('garbage', `${method} ${path}: the server answered HTTP ${res.status} with something that is not JSON`, res.status);
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new ServerError('garbage', `${method} ${path}: the answer is not a JSON object`, res.status);
    return value as Record<string, unknown>;
  }

  private async request(
    method: string,
    path: string,
    token: string | undefined,
    body?: unknown,
    extraHeaders: Record<string, string> = {},
  ): Promise<{ status: number; text: string; headers: Headers }> {
    const url = `${this.baseUrl}${path}`;
    const headers: Record<string, string> = { accept: 'application/json', ...extraHeaders };
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const signal = AbortSignal.timeout(this.timeoutMs);
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal, redirect: 'error' });
      text = await readCapped(res);
    } catch (err) {
      if (err instanceof ServerError) throw err;
      if (signal.aborted) throw new ServerError('timeout', `${method} ${url}: no answer within ${this.timeoutMs / 1000} s`);
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const code = cause?.code ?? '';
      throw new ServerError('network', `${method} ${url}: ${NETWORK_FAILURES[code] ?? cause?.message ?? (err as Error).message}${code ? ` (${code})` : ''}`);
    }
    if (res.status === 304 || (res.status >= 200 && res.status < 300)) return { status: res.status, text, headers: res.headers };
    const problem = errorBody(text);
    if (res.status === 401 && problem?.code === 'invalid-token')
      throw new ServerError('invalid-token', `${method} ${path}: ${problem.message ?? 'device token refused'}`, 401, problem.code);
    throw new ServerError(
      'http',
      `${method} ${path}: HTTP ${res.status}${problem ? ` ${problem.code ?? ''}: ${problem.message ?? ''}` : text ? `: ${text.slice(0, 200).replace(/\s+/g, ' ')}` : ''}`,
      res.status,
      problem?.code,
      retryAfter(res.headers.get('retry-after')),
    );
  }
}

async function readCapped(res: Response): Promise<string> {
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > MAX_ANSWER_BYTES) throw new ServerError('garbage', `the server's answer is larger than ${MAX_ANSWER_BYTES} bytes`, res.status);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
function retryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function errorBody(text: string): { code?: string; message?: string } | undefined {
  try {
    const value = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (value.error && typeof value.error === 'object')
      return { code: typeof value.error.code === 'string' ? value.error.code : undefined, message: typeof value.error.message === 'string' ? value.error.message : undefined };
  } catch {
    // not the contract's error shape
  }
  return undefined;
}
