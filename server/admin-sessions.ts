// Console sign-in sessions. The browser holds only a random session id in an HttpOnly, SameSite=Strict cookie
// (never the admin token: it is not in a URL, in local storage or readable by scripts); the database holds its
// SHA-256, who signed in and with which role. A session is made by a sign-in method: `token` (an admin or viewer
// token, checked once at sign-in) today; an OIDC method would make one from its provider and subject the same way.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AdminIdentity, AdminRole } from './admin-tokens.ts';
import type { Queryable } from './database/database.ts';
import { randomSecret } from './data-dir.ts';
import { hashSecret } from './secret-hash.ts';

export const SESSION_COOKIE = 'cordon_session';
/** The header a console request that changes something must carry, holding the session's CSRF token. */
export const CSRF_HEADER = 'x-cordon-csrf';
export const SESSION_SECONDS = 12 * 3600;

export interface SignIn {
  provider: 'token';
  subject: string;
  identity: AdminIdentity;
}

export interface AdminSession {
  identity: AdminIdentity;
  csrfToken: string;
  expiresAt: Date;
}

export async function createSession(db: Queryable, signIn: SignIn): Promise<{ id: string; session: AdminSession }> {
  const id = randomSecret();
  const csrfToken = randomSecret();
  const expiresAt = new Date(Date.now() + SESSION_SECONDS * 1000);
  // Expired sessions are cleared here, by the next sign-in, rather than by a timer.
  await db.query('DELETE FROM admin_sessions WHERE expires_at < now()');
  await db.query(
    'INSERT INTO admin_sessions (id_hash, provider, subject, name, role, token_id, csrf_token, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
    [hashSecret(id), signIn.provider, signIn.subject, signIn.identity.name, signIn.identity.role, signIn.provider === 'token' ? signIn.identity.tokenId : null, csrfToken, expiresAt],
  );
  return { id, session: { identity: signIn.identity, csrfToken, expiresAt } };
}

/** The live session with this id: not expired, and its token (for a token sign-in) not revoked since. */
export async function findSession(db: Queryable, id: string): Promise<AdminSession | undefined> {
  const [row] = await db.query<{ provider: string; subject: string; name: string; role: AdminRole; token_id: string | null; csrf_token: string; expires_at: Date }>(
    `SELECT s.provider, s.subject, s.name, s.role, s.token_id, s.csrf_token, s.expires_at
       FROM admin_sessions s LEFT JOIN admin_tokens t ON t.id = s.token_id
      WHERE s.id_hash = $1 AND s.expires_at > now() AND (s.token_id IS NULL OR t.revoked_at IS NULL)`,
    [hashSecret(id)],
  );
  if (!row) return undefined;
  return { identity: { tokenId: row.token_id ?? `${row.provider}:${row.subject}`, name: row.name, role: row.role }, csrfToken: row.csrf_token, expiresAt: row.expires_at };
}

export async function deleteSession(db: Queryable, id: string): Promise<void> {
  await db.query('DELETE FROM admin_sessions WHERE id_hash = $1', [hashSecret(id)]);
}

/** The session id from the Cookie header, if it has one of the right shape. */
export function sessionCookie(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    const value = part.slice(eq + 1).trim();
    return /^[A-Za-z0-9_-]{16,128}$/.test(value) ? value : undefined;
  }
  return undefined;
}

export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, id: string, maxAgeSeconds: number): void {
  const secure = request.protocol === 'https' ? '; Secure' : '';
  reply.header('set-cookie', `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`);
}
