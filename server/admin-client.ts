// A small client for the admin API, used by `cordon admin`. Errors carry the server's code and message.
export class AdminApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problems: { path: string; message: string; line?: number; column?: number }[] = [],
  ) {
    super(message);
    this.name = 'AdminApiError';
  }
}

export class AdminClient {
  constructor(
    private readonly server: string,
    private readonly token: string,
  ) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.server.replace(/\/+$/, '')}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new Error(`cannot reach ${this.server}: ${cause?.code ?? cause?.message ?? (err as Error).message}`, { cause: err });
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      throw new AdminApiError(res.status, 'not-json', `${method} ${path}: HTTP ${res.status}, not a Cordon server answer: ${text.slice(0, 200)}`);
    }
    if (!res.ok) {
      const e = (parsed as { error?: { code?: string; message?: string; problems?: AdminApiError['problems'] } } | undefined)?.error;
      throw new AdminApiError(res.status, e?.code ?? 'http-error', e?.message ?? `HTTP ${res.status}`, e?.problems);
    }
    return parsed as T;
  }
}

/** Query string from the options that are set. */
export function queryString(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
