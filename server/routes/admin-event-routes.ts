// GET /admin/v1/events: events by device, tool, type and time, newest first, with cursor pagination.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { requireAdmin } from '../admin-auth.ts';
import type { AppContext } from '../app-context.ts';
import { EventListSchema, EventQuerySchema } from '../schemas/admin-api-schemas.ts';
import { errorResponses } from '../schemas/error-schema.ts';
import { HttpError } from '../http-error.ts';
import { isStorableTime, STORABLE_TIME_PROBLEM } from '../storable-time.ts';

interface EventRow {
  seq: string;
  id: string;
  device_id: string;
  type: string;
  tool_id: string | null;
  at: Date;
  received_at: Date;
  body: Record<string, unknown>;
}

export function adminEventRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.withTypeProvider<TypeBoxTypeProvider>().get(
    '/admin/v1/events',
    { schema: { tags: ['admin'], security: [{ adminToken: [] }], querystring: EventQuerySchema, response: { 200: EventListSchema, ...errorResponses(400, 401) } } },
    async (request) => {
      await requireAdmin(ctx.db, request, 'viewer');
      const q = request.query;
      const limit = q.limit ?? 100;
      for (const key of ['since', 'until'] as const) {
        const value = q[key];
        if (value !== undefined && !isStorableTime(value)) throw new HttpError(400, 'invalid-request', `querystring.${key}: ${STORABLE_TIME_PROBLEM}`);
      }
      const rows = await ctx.db.query<EventRow>(
        `SELECT seq::text AS seq, id, device_id, type, tool_id, at, received_at, body FROM events
          WHERE ($1::text IS NULL OR device_id = $1) AND ($2::text IS NULL OR tool_id = $2) AND ($3::text IS NULL OR type = $3)
            AND ($4::timestamptz IS NULL OR at >= $4) AND ($5::timestamptz IS NULL OR at < $5) AND ($6::bigint IS NULL OR seq < $6)
          ORDER BY events.seq DESC LIMIT $7`,
        [q.device ?? null, q.tool ?? null, q.type ?? null, q.since ?? null, q.until ?? null, q.cursor ?? null, limit],
      );
      return {
        events: rows.map((r) => ({ seq: r.seq, id: r.id, deviceId: r.device_id, type: r.type, toolId: r.tool_id, at: r.at.toISOString(), receivedAt: r.received_at.toISOString(), event: r.body })),
        nextCursor: rows.length === limit ? rows[rows.length - 1]!.seq : null,
      };
    },
  );
}
