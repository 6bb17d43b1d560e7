// Every admin change is written to the audit log in the same transaction as the change itself.
import type { Queryable } from './database/database.ts';

export async function recordAudit(tx: Queryable, actor: string, action: string, target: string, detail: Record<string, unknown> = {}): Promise<void> {
  await tx.query('INSERT INTO audit_log (actor, action, target, detail) VALUES ($1, $2, $3, $4::jsonb)', [actor, action, target, JSON.stringify(detail)]);
}
