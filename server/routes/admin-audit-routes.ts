// GET /admin/v1/audit: who changed what, newest first.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ADMIN_SECURITY, requireAdmin } from '../admin-auth.ts';
import type { AppContext } from '../app-context.ts';
import { AuditListSchema, AuditQuerySchema } from '../schemas/admin-api-schemas.ts';
import { errorResponses } from '../schemas/error-schema.ts';

export function adminAuditRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.withTypeProvider<TypeBoxTypeProvider>().get(
    '/admin/v1/audit',
    { schema: { tags: ['admin'], security: ADMIN_SECURITY, querystring: AuditQuerySchema, response: { 200: AuditListSchema, ...errorResponses(400, 401) } } },
    async (request) => {
      await requireAdmin(ctx.db, request, 'viewer');
      const q = request.query;
      const limit = q.limit ?? 100;
      const rows = await ctx.db.query<{ seq: string; at: Date; actor: string; action: string; target: string; detail: Record<string, unknown> }>(
        `SELECT seq::text AS seq, at, actor, action, target, detail FROM audit_log
          WHERE ($1::text IS NULL OR action = $1) AND ($2::bigint IS NULL OR seq < $2) ORDER BY audit_log.seq DESC LIMIT $3`,
        [q.action ?? null, q.cursor ?? null, limit],
      );
      return { entries: rows.map((r) => ({ ...r, at: r.at.toISOString() })), nextCursor: rows.length === limit ? rows[rows.length - 1]!.seq : null };
    },
  );
}
