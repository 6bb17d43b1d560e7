// Admin API authentication: a bearer token with role viewer (read) or admin (read and change).
import type { FastifyRequest } from 'fastify';
import { authenticateAdminToken, type AdminIdentity, type AdminRole } from './admin-tokens.ts';
import { AuthenticatedTokens } from './authenticated-tokens.ts';
import type { Queryable } from './database/database.ts';
import { bearerToken } from './device-auth.ts';
import { HttpError } from './http-error.ts';
import { hashSecret } from './secret-hash.ts';

export async function requireAdmin(db: Queryable, request: FastifyRequest, needed: AdminRole): Promise<AdminIdentity> {
  const token = bearerToken(request);
  if (!token) throw new HttpError(401, 'invalid-token', 'Authorization: Bearer <admin token> is missing or malformed');
  const identity = await authenticateAdminToken(db, token);
  if (!identity) throw new HttpError(401, 'invalid-token', 'admin token is unknown or revoked');
  AuthenticatedTokens.note(request, hashSecret(token));
  if (needed === 'admin' && identity.role !== 'admin') throw new HttpError(403, 'forbidden', `token "${identity.name}" has role viewer; this needs role admin`);
  return identity;
}

/** How the audit log names who did something. */
export function actorOf(identity: AdminIdentity): string {
  return `${identity.name} (${identity.tokenId})`;
}
