// Admin API tokens (roles admin and viewer), stored as SHA-256 hashes. The first admin token is made on first
// start and written 0600 to the data directory; the database transaction makes that happen once per database.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { writeFileAtomic } from '../policy/index.ts';
import { DATA_FILES, randomSecret } from './data-dir.ts';
import type { Database, Queryable } from './database/database.ts';
import { hashSecret } from './secret-hash.ts';

export type AdminRole = 'admin' | 'viewer';

export interface AdminIdentity {
  tokenId: string;
  name: string;
  role: AdminRole;
}

export async function createAdminToken(db: Queryable, name: string, role: AdminRole): Promise<{ id: string; token: string }> {
  const id = randomUUID();
  const token = `cordon_${randomSecret()}`;
  await db.query('INSERT INTO admin_tokens (id, name, role, token_hash) VALUES ($1, $2, $3, $4)', [id, name, role, hashSecret(token)]);
  return { id, token };
}

export async function ensureFirstAdminToken(db: Database, dataDir: string): Promise<string | undefined> {
  return db.transaction(async (tx) => {
    // Serialises concurrent first starts on one PostgreSQL: only one of them finds the table empty.
    await tx.query('LOCK TABLE admin_tokens IN EXCLUSIVE MODE');
    const [row] = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM admin_tokens');
    if ((row?.n ?? 0) > 0) return undefined;
    const { token } = await createAdminToken(tx, 'first admin (created on first start)', 'admin');
    writeFileAtomic(join(dataDir, DATA_FILES.adminToken), `${token}\n`, 0o600);
    return token;
  });
}

export async function authenticateAdminToken(db: Queryable, token: string): Promise<AdminIdentity | undefined> {
  const [row] = await db.query<{ id: string; name: string; role: AdminRole }>('SELECT id, name, role FROM admin_tokens WHERE token_hash = $1 AND revoked_at IS NULL', [hashSecret(token)]);
  return row ? { tokenId: row.id, name: row.name, role: row.role } : undefined;
}
