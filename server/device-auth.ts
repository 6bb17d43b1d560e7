// Authenticates an agent by its bearer token. One indexed query also returns what the 304 path needs, so an
// unchanged policy check costs exactly one round trip to the database.
import type { FastifyRequest } from 'fastify';
import type { Queryable } from './database/database.ts';
import { AuthenticatedTokens } from './authenticated-tokens.ts';
import { HttpError } from './http-error.ts';
import { hashSecret } from './secret-hash.ts';

export interface AuthenticatedDevice {
  id: string;
  os_user: string;
  groups: string[];
  bundle_etag: string | null;
  bundle_digest: string | null;
  bundle_serial: number;
  bundle_generation: number;
  /** server_state.generation at the time of the query */
  generation: number;
}

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S{1,512})\s*$/i.exec(header);
  return match?.[1];
}

export async function authenticateDevice(db: Queryable, request: FastifyRequest): Promise<AuthenticatedDevice> {
  const token = bearerToken(request);
  if (!token) throw new HttpError(401, 'invalid-token', 'Authorization: Bearer <device token> is missing or malformed');
  // Looked up by SHA-256 of the token: the database never holds the token, and timing reveals nothing about it.
  const hash = hashSecret(token);
  const rows = await db.query<AuthenticatedDevice>(
    `SELECT id, os_user, groups, bundle_etag, bundle_digest, bundle_serial, bundle_generation,
            (SELECT generation FROM server_state WHERE id = 1) AS generation
       FROM devices WHERE token_hash = $1 AND revoked_at IS NULL`,
    [hash],
  );
  const device = rows[0];
  if (!device) throw new HttpError(401, 'invalid-token', 'device token is unknown or revoked; enrol again');
  AuthenticatedTokens.note(request, hash);
  // bigint columns come back as strings from pg and numbers from PGlite.
  device.bundle_generation = Number(device.bundle_generation);
  device.generation = Number(device.generation);
  return device;
}
