// POST /v1/events: a batch of agent events, stored idempotently by event id. The answer lists every id that is
// now durable (stored by this request or an earlier one) and every event refused, with the reason.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Compile } from 'typebox/compile';
import { schemaProblems } from '../../policy/index.ts';
import type { AppContext } from '../app-context.ts';
import { authenticateDevice } from '../device-auth.ts';
import { AgentEventSchema, EventsBodySchema, EventsReplySchema } from '../schemas/agent-api-schemas.ts';
import { errorResponses } from '../schemas/error-schema.ts';
import { isStorableTime, STORABLE_TIME_PROBLEM } from '../storable-time.ts';

const checkEvent = Compile(AgentEventSchema);

interface EventRow {
  id: string;
  type: string;
  tool_id: string | null;
  at: string;
  body: unknown;
}

export function eventsRoute(app: FastifyInstance, ctx: AppContext): void {
  app.withTypeProvider<TypeBoxTypeProvider>().post(
    '/v1/events',
    { schema: { tags: ['agent'], security: [{ deviceToken: [] }], body: EventsBodySchema, response: { 200: EventsReplySchema, ...errorResponses(400, 401, 413, 429) } } },
    async (request) => {
      const device = await authenticateDevice(ctx.db, request);
      const rows = new Map<string, EventRow>();
      const rejected: { id: string; problem: string }[] = [];
      request.body.events.forEach((event, i) => {
        if (!checkEvent.Check(event)) {
          const p = schemaProblems(AgentEventSchema, checkEvent.Errors(event))[0];
          rejected.push({ id: event.id, problem: `events[${i}]${p?.path ? `.${p.path}` : ''}: ${p?.message ?? 'invalid event'}` });
          return;
        }
        if (!isStorableTime(event.at)) {
          rejected.push({ id: event.id, problem: `events[${i}].at: ${STORABLE_TIME_PROBLEM}` });
          return;
        }
        if (!rows.has(event.id)) rows.set(event.id, { id: event.id, type: event.type, tool_id: event.toolId ?? null, at: event.at, body: event });
      });
      if (rows.size) {
        // One statement for the whole batch; a re-sent id hits the primary key and is skipped, not stored twice.
        // The rows it did store are added to the daily counts the overview charts (ordered, so that concurrent
        // batches lock the counter rows in one order).
        await ctx.db.query(
          `WITH stored AS (
             INSERT INTO events (id, device_id, type, tool_id, at, body)
             SELECT e.id, $1, e.type, e.tool_id, e.at, e.body
               FROM jsonb_to_recordset($2::jsonb) AS e(id text, type text, tool_id text, at timestamptz, body jsonb)
             ON CONFLICT (id) DO NOTHING
             RETURNING type, tool_id, at)
           INSERT INTO event_daily_counts (day, type, tool_id, n)
           SELECT (at AT TIME ZONE 'UTC')::date, type, COALESCE(tool_id, ''), count(*) FROM stored GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
           ON CONFLICT (day, type, tool_id) DO UPDATE SET n = event_daily_counts.n + EXCLUDED.n`,
          [device.id, JSON.stringify([...rows.values()])],
        );
      }
      return { durable: [...rows.keys()], rejected };
    },
  );
}
