// The console's only way to the server: the public admin API, same origin, with the session cookie the browser
// sends by itself and the CSRF token (held in memory only) on every request that changes something.
export interface Problem {
  path: string;
  message: string;
  line?: number;
  column?: number;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problems: Problem[] = [],
  ) {
    super(message);
  }
}

export interface Session {
  name: string;
  role: 'admin' | 'viewer';
  csrfToken: string;
  expiresAt: string;
}

let csrfToken: string | undefined;
let onSignedOut: () => void = () => {};

export function setSession(session: Session | undefined): void {
  csrfToken = session?.csrfToken;
}

export function whenSignedOut(fn: () => void): void {
  onSignedOut = fn;
}

export async function api<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-cordon-csrf'] = csrfToken;
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin', cache: 'no-store' });
  if (res.status === 204) return undefined as T;
  const json = (await res.json().catch(() => ({}))) as { error?: { code: string; message: string; problems?: Problem[] } };
  if (!res.ok) {
    const err = new ApiError(res.status, json.error?.code ?? 'http', json.error?.message ?? `HTTP ${res.status}`, json.error?.problems);
    if (res.status === 401 && path !== '/admin/v1/session') onSignedOut();
    throw err;
  }
  return json as T;
}

/** A query string from the set values only. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
