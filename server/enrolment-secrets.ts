// Enrolment secrets IT makes with `cordon admin enrolment-secret create`: single-use (or N-use), expiring, and
// carrying the groups of the device that enrols with them. A revoked device cannot come back with a used one,
// which is what the installer-wide shared secret cannot promise.
import { randomUUID } from 'node:crypto';
import { randomSecret } from './data-dir.ts';
import type { Queryable } from './database/database.ts';
import { hashSecret } from './secret-hash.ts';

export interface EnrolmentSecretSpec {
  groups: string[];
  /** Enrolments it allows; undefined: no limit until it expires or is revoked. */
  uses?: number;
  expires?: Date;
  createdBy: string;
}

export interface EnrolmentSecretInfo {
  id: string;
  groups: string[];
  usesLeft: number | null;
  expires: string | null;
  createdAt: string;
  createdBy: string;
  revoked: boolean;
}

export async function createEnrolmentSecret(db: Queryable, spec: EnrolmentSecretSpec): Promise<{ id: string; secret: string }> {
  const id = randomUUID();
  // A prefix says what it is when found in a script or a ticket.
  const secret = `cordon_enrol_${randomSecret()}`;
  await db.query('INSERT INTO enrolment_secrets (id, secret_hash, groups, uses_left, expires_at, created_by) VALUES ($1, $2, $3, $4, $5, $6)', [
    id,
    hashSecret(secret),
    spec.groups,
    spec.uses ?? null,
    spec.expires ?? null,
    spec.createdBy,
  ]);
  return { id, secret };
}

/** Spends one use of a valid secret (atomically: two agents racing for the last use cannot both win); its groups, or undefined. */
export async function redeemEnrolmentSecret(db: Queryable, secret: string): Promise<{ id: string; groups: string[] } | undefined> {
  const [row] = await db.query<{ id: string; groups: string[] }>(
    `UPDATE enrolment_secrets SET uses_left = uses_left - 1
      WHERE secret_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now()) AND (uses_left IS NULL OR uses_left > 0)
      RETURNING id, groups`,
    [hashSecret(secret)],
  );
  return row;
}

export async function listEnrolmentSecrets(db: Queryable): Promise<EnrolmentSecretInfo[]> {
  const rows = await db.query<{ id: string; groups: string[]; uses_left: number | null; expires_at: Date | null; created_at: Date; created_by: string; revoked: boolean }>(
    'SELECT id, groups, uses_left, expires_at, created_at, created_by, revoked_at IS NOT NULL AS revoked FROM enrolment_secrets ORDER BY created_at',
  );
  return rows.map((r) => ({
    id: r.id,
    groups: r.groups,
    usesLeft: r.uses_left,
    expires: r.expires_at?.toISOString() ?? null,
    createdAt: r.created_at.toISOString(),
    createdBy: r.created_by,
    revoked: r.revoked,
  }));
}
