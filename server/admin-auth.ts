// Admin API authentication: a bearer token (scripts, `cordon admin`) or a console session cookie, either with role
// viewer (read) or admin (read and change). The role is checked here, on the server, for every request.
import type { FastifyRequest } from 'fastify';
import { checkCsrf, SAFE_METHODS } from './admin-csrf.ts';
import { findSession, sessionCookie } from './admin-sessions.ts';
import { authenticateAdminToken, type AdminIdentity, type AdminRole } from './admin-tokens.ts';
import { AuthenticatedTokens } from './authenticated-tokens.ts';
import type { Queryable } from './database/database.ts';
import { bearerToken } from './device-auth.ts';
import { HttpError } from './http-error.ts';
import { hashSecret } from './secret-hash.ts';

async function identify(db: Queryable, request: FastifyRequest): Promise<AdminIdentity> {
  const token = bearerToken(request);
  if (token) {
    const identity = await authenticateAdminToken(db, token);
    if (!identity) throw new HttpError(401, 'invalid-token', 'admin token is unknown or revoked');
    AuthenticatedTokens.note(request, hashSecret(token));
    return identity;
  }
  const sessionId = sessionCookie(request);
  if (!sessionId) throw new HttpError(401, 'invalid-token', 'Authorization: Bearer <admin token> (or a console session) is missing or malformed');
  const session = await findSession(db, sessionId);
  if (!session) throw new HttpError(401, 'invalid-token', 'console session expired or signed out; sign in again');
  if (!SAFE_METHODS.has(request.method)) checkCsrf(request, session.csrfToken);
  AuthenticatedTokens.note(request, hashSecret(sessionId));
  return session.identity;
}

export async function requireAdmin(db: Queryable, request: FastifyRequest, needed: AdminRole): Promise<AdminIdentity> {
  const identity = await identify(db, request);
  if (needed === 'admin' && identity.role !== 'admin') throw new HttpError(403, 'forbidden', `"${identity.name}" has role viewer; this needs role admin`);
  return identity;
}

/** How the audit log names who did something. */
export function actorOf(identity: AdminIdentity): string {
  return `${identity.name} (${identity.tokenId})`;
}

/** OpenAPI security of an admin route: a bearer token, or a console session (plus x-cordon-csrf to change). */
export const ADMIN_SECURITY: Record<string, string[]>[] = [{ adminToken: [] }, { consoleSession: [] }];
