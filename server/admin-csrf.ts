// CSRF defence for cookie-authenticated admin requests. The cookie is SameSite=Strict already; on top of that a
// request that changes something must carry the session's CSRF token in a custom header (a cross-site form or
// image cannot set one, and a cross-site fetch that sets one needs a CORS preflight this server never grants),
// and its Origin, when the browser sends one, must be this server. Bearer-token requests need neither: a browser
// never attaches a bearer token by itself.
import type { FastifyRequest } from 'fastify';
import { CSRF_HEADER } from './admin-sessions.ts';
import { HttpError } from './http-error.ts';
import { secretsEqual } from './secret-hash.ts';

export const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Refuses a request whose Origin header names another site than the Host it was sent to. */
export function checkSameOrigin(request: FastifyRequest): void {
  const origin = request.headers.origin;
  if (origin === undefined) return;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    throw new HttpError(403, 'csrf', `Origin "${origin}" is not a URL`);
  }
  if (host !== request.headers.host) throw new HttpError(403, 'csrf', `Origin ${origin} is not this server (${request.headers.host ?? 'no Host'})`);
}

export function checkCsrf(request: FastifyRequest, csrfToken: string): void {
  checkSameOrigin(request);
  const sent = request.headers[CSRF_HEADER];
  if (typeof sent !== 'string' || !secretsEqual(sent, csrfToken)) throw new HttpError(403, 'csrf', `${CSRF_HEADER}: missing or not this session's CSRF token`);
}
