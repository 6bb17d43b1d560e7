// /admin/v1/overview and /admin/v1/stats/blocks: the fleet at a glance (devices per compliance state, pending
// exception requests) and blocks per day per tool, read from the daily counts the events route keeps.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ADMIN_SECURITY, requireAdmin } from '../admin-auth.ts';
import type { AppContext } from '../app-context.ts';
import { COMPLIANCE_SQL, COMPLIANCE_STATES, type Compliance } from '../device-compliance.ts';
import { BlocksQuerySchema, BlocksSeriesSchema, OverviewSchema } from '../schemas/admin-api-schemas.ts';
import { errorResponses } from '../schemas/error-schema.ts';

const security = ADMIN_SECURITY;

/** The UTC dates of the last `days` days, oldest first, ending today. */
function lastDays(days: number, now = new Date()): string[] {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return Array.from({ length: days }, (_, i) => new Date(today - (days - 1 - i) * 86_400_000).toISOString().slice(0, 10));
}

export function adminOverviewRoutes(app: FastifyInstance, ctx: AppContext): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  typed.get('/admin/v1/overview', { schema: { tags: ['admin'], security, response: { 200: OverviewSchema, ...errorResponses(401) } } }, async (request) => {
    await requireAdmin(ctx.db, request, 'viewer');
    const [counts, pending] = await Promise.all([
      ctx.db.query<{ compliance: Compliance; n: number }>(`SELECT ${COMPLIANCE_SQL} AS compliance, count(*)::int AS n FROM devices GROUP BY 1`, [ctx.settings.silentAfterSeconds]),
      ctx.db.query<{ n: number }>("SELECT count(*)::int AS n FROM exception_requests WHERE status = 'pending'"),
    ]);
    const compliance = Object.fromEntries(COMPLIANCE_STATES.map((s) => [s, 0])) as Record<Compliance, number>;
    for (const row of counts) compliance[row.compliance] = row.n;
    return { devices: counts.reduce((sum, r) => sum + r.n, 0), compliance, pendingExceptions: pending[0]?.n ?? 0 };
  });

  typed.get(
    '/admin/v1/stats/blocks',
    { schema: { tags: ['admin'], security, querystring: BlocksQuerySchema, response: { 200: BlocksSeriesSchema, ...errorResponses(400, 401) } } },
    async (request) => {
      await requireAdmin(ctx.db, request, 'viewer');
      const days = lastDays(request.query.days ?? 30);
      const rows = await ctx.db.query<{ day: string; tool_id: string; n: string }>(
        "SELECT day::text AS day, tool_id, n::text AS n FROM event_daily_counts WHERE type = 'block' AND day >= $1::date ORDER BY tool_id, day",
        [days[0]],
      );
      const index = new Map(days.map((d, i) => [d, i]));
      const tools = new Map<string, number[]>();
      for (const r of rows) {
        const i = index.get(r.day);
        if (i === undefined) continue;
        const counts = tools.get(r.tool_id) ?? tools.set(r.tool_id, days.map(() => 0)).get(r.tool_id)!;
        counts[i]! += Number(r.n);
      }
      const series = [...tools].map(([toolId, counts]) => ({ toolId: toolId || 'unknown', counts, total: counts.reduce((a, b) => a + b, 0) }));
      return { days, tools: series.sort((a, b) => b.total - a.total) };
    },
  );
}
