// GET /admin/v1/events: events by device, user, tool, type and time, newest first, with cursor pagination;
// GET /admin/v1/events.csv: the same filters as a CSV download (up to 100,000 rows, newest first).
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Static } from 'typebox';
import { ADMIN_SECURITY, requireAdmin } from '../admin-auth.ts';
import type { AppContext } from '../app-context.ts';
import { csvLine } from '../csv.ts';
import type { Queryable } from '../database/database.ts';
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

type EventQuery = Static<typeof EventQuerySchema>;
const security = ADMIN_SECURITY;
const CSV_MAX_ROWS = 100_000;

function checkTimes(q: EventQuery): void {
  for (const key of ['since', 'until'] as const) {
    const value = q[key];
    if (value !== undefined && !isStorableTime(value)) throw new HttpError(400, 'invalid-request', `querystring.${key}: ${STORABLE_TIME_PROBLEM}`);
  }
}

function findEvents(db: Queryable, q: EventQuery, cursor: string | null, limit: number): Promise<EventRow[]> {
  return db.query<EventRow>(
    `SELECT seq::text AS seq, id, device_id, type, tool_id, at, received_at, body FROM events
      WHERE ($1::text IS NULL OR device_id = $1) AND ($2::text IS NULL OR tool_id = $2) AND ($3::text IS NULL OR type = $3)
        AND ($4::timestamptz IS NULL OR at >= $4) AND ($5::timestamptz IS NULL OR at < $5) AND ($6::bigint IS NULL OR seq < $6)
        AND ($8::text IS NULL OR body->>'user' = $8)
      ORDER BY events.seq DESC LIMIT $7`,
    [q.device ?? null, q.tool ?? null, q.type ?? null, q.since ?? null, q.until ?? null, cursor, limit, q.user ?? null],
  );
}

async function* csvOf(db: Queryable, q: EventQuery): AsyncGenerator<string> {
  yield csvLine(['at', 'received_at', 'device_id', 'user', 'type', 'tool_id', 'tool_name', 'rule_id', 'exe', 'message', 'id']);
  let cursor: string | null = null;
  for (let sent = 0; sent < CSV_MAX_ROWS; ) {
    const rows: EventRow[] = await findEvents(db, q, cursor, Math.min(5000, CSV_MAX_ROWS - sent));
    for (const r of rows) {
      const b = r.body;
      yield csvLine([r.at.toISOString(), r.received_at.toISOString(), r.device_id, b.user, r.type, r.tool_id, b.toolName, b.ruleId, b.exe, b.message, r.id]);
    }
    sent += rows.length;
    if (rows.length < 5000) return;
    cursor = rows[rows.length - 1]!.seq;
  }
}

export function adminEventRoutes(app: FastifyInstance, ctx: AppContext): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  typed.get(
    '/admin/v1/events',
    { schema: { tags: ['admin'], security, querystring: EventQuerySchema, response: { 200: EventListSchema, ...errorResponses(400, 401) } } },
    async (request) => {
      await requireAdmin(ctx.db, request, 'viewer');
      const q = request.query;
      const limit = q.limit ?? 100;
      checkTimes(q);
      const rows = await findEvents(ctx.db, q, q.cursor ?? null, limit);
      return {
        events: rows.map((r) => ({ seq: r.seq, id: r.id, deviceId: r.device_id, type: r.type, toolId: r.tool_id, at: r.at.toISOString(), receivedAt: r.received_at.toISOString(), event: r.body })),
        nextCursor: rows.length === limit ? rows[rows.length - 1]!.seq : null,
      };
    },
  );

  typed.get(
    '/admin/v1/events.csv',
    {
      schema: {
        tags: ['admin'],
        security,
        description: `The events matching the filters as CSV, newest first, at most ${CSV_MAX_ROWS} rows (limit and cursor are ignored).`,
        querystring: EventQuerySchema,
        produces: ['text/csv'],
        response: { ...errorResponses(400, 401) },
      },
    },
    async (request, reply) => {
      await requireAdmin(ctx.db, request, 'viewer');
      checkTimes(request.query);
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="cordon-events.csv"')
        .send(Readable.from(csvOf(ctx.db, request.query)));
    },
  );
}
