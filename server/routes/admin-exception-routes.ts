// /admin/v1/exception-requests: list employees' requests, approve (with an expiry) or deny. An approval becomes
// part of that device's effective policy at its next sync.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { actorOf, ADMIN_SECURITY, requireAdmin } from '../admin-auth.ts';
import type { AppContext } from '../app-context.ts';
import { recordAudit } from '../audit-log.ts';
import { EXCEPTION_COLUMNS, exceptionInfo, type ExceptionRequestRow } from '../exception-requests.ts';
import { HttpError } from '../http-error.ts';
import { bumpGeneration } from '../policy-generation.ts';
import { AdminExceptionListSchema, AdminExceptionSchema, ApproveBodySchema, DenyBodySchema, ExceptionQuerySchema, IdParam } from '../schemas/admin-api-schemas.ts';
import { errorResponses } from '../schemas/error-schema.ts';
import { isStorableTime, STORABLE_TIME_PROBLEM } from '../storable-time.ts';

const security = ADMIN_SECURITY;
type Row = ExceptionRequestRow & { hostname: string | null };

function toAdmin(r: Row) {
  const info = exceptionInfo(r);
  return { ...info, status: info.status, deviceId: r.device_id, hostname: r.hostname, user: r.os_user, decidedBy: r.decided_by ?? undefined };
}

const SELECT = `SELECT ${EXCEPTION_COLUMNS.split(', ').map((c) => `r.${c}`).join(', ')}, d.hostname FROM exception_requests r LEFT JOIN devices d ON d.id = r.device_id`;

export function adminExceptionRoutes(app: FastifyInstance, ctx: AppContext): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  typed.get(
    '/admin/v1/exception-requests',
    { schema: { tags: ['admin'], security, querystring: ExceptionQuerySchema, response: { 200: AdminExceptionListSchema, ...errorResponses(400, 401) } } },
    async (request) => {
      await requireAdmin(ctx.db, request, 'viewer');
      const q = request.query;
      const limit = q.limit ?? 100;
      // 'expired' is an approved request past its expiry; 'approved' means still in force.
      const rows = await ctx.db.query<Row>(
        `${SELECT}
          WHERE ($1::text IS NULL
                 OR ($1 = 'expired' AND r.status = 'approved' AND r.expires <= now())
                 OR ($1 = 'approved' AND r.status = 'approved' AND r.expires > now())
                 OR ($1 NOT IN ('expired', 'approved') AND r.status = $1))
            AND ($2::text IS NULL OR r.device_id = $2) AND ($3::text IS NULL OR r.id > $3)
          ORDER BY r.id LIMIT $4`,
        [q.status ?? null, q.device ?? null, q.cursor ?? null, limit],
      );
      return { requests: rows.map(toAdmin), nextCursor: rows.length === limit ? rows[rows.length - 1]!.id : null };
    },
  );

  typed.post(
    '/admin/v1/exception-requests/:id/approve',
    { schema: { tags: ['admin'], security, params: IdParam, body: ApproveBodySchema, response: { 200: AdminExceptionSchema, ...errorResponses(400, 401, 403, 404, 409) } } },
    async (request) => {
      const who = await requireAdmin(ctx.db, request, 'admin');
      const { days, expires, note } = request.body;
      if (days !== undefined && expires !== undefined) throw new HttpError(400, 'invalid-request', 'body: give days or expires, not both');
      if (expires !== undefined && !isStorableTime(expires)) throw new HttpError(400, 'invalid-request', `body.expires: ${STORABLE_TIME_PROBLEM}`);
      if (expires !== undefined && Date.parse(expires) <= Date.now()) throw new HttpError(400, 'invalid-request', `body.expires: ${expires} is in the past`);
      return ctx.db.transaction(async (tx) => {
        const [current] = await tx.query<Row>(`${SELECT} WHERE r.id = $1 FOR UPDATE OF r`, [request.params.id]);
        if (!current) throw new HttpError(404, 'not-found', `id: no exception request "${request.params.id}"`);
        if (current.status !== 'pending') throw new HttpError(409, 'already-decided', `exception request ${current.id} is already ${current.status}`);
        const until = expires ? new Date(expires) : new Date(Date.now() + (days ?? current.days) * 86_400_000);
        await tx.query("UPDATE exception_requests SET status = 'approved', decided_at = now(), decided_by = $2, expires = $3, note = $4 WHERE id = $1", [current.id, actorOf(who), until, note ?? null]);
        await bumpGeneration(tx);
        await recordAudit(tx, actorOf(who), 'exception.approve', current.id, { deviceId: current.device_id, toolId: current.tool_id, user: current.os_user, expires: until.toISOString(), note });
        const [row] = await tx.query<Row>(`${SELECT} WHERE r.id = $1`, [current.id]);
        return toAdmin(row!);
      });
    },
  );

  typed.post(
    '/admin/v1/exception-requests/:id/deny',
    { schema: { tags: ['admin'], security, params: IdParam, body: DenyBodySchema, response: { 200: AdminExceptionSchema, ...errorResponses(400, 401, 403, 404, 409) } } },
    async (request) => {
      const who = await requireAdmin(ctx.db, request, 'admin');
      return ctx.db.transaction(async (tx) => {
        const [current] = await tx.query<Row>(`${SELECT} WHERE r.id = $1 FOR UPDATE OF r`, [request.params.id]);
        if (!current) throw new HttpError(404, 'not-found', `id: no exception request "${request.params.id}"`);
        if (current.status !== 'pending') throw new HttpError(409, 'already-decided', `exception request ${current.id} is already ${current.status}`);
        await tx.query("UPDATE exception_requests SET status = 'denied', decided_at = now(), decided_by = $2, note = $3 WHERE id = $1", [current.id, actorOf(who), request.body.note ?? null]);
        await recordAudit(tx, actorOf(who), 'exception.deny', current.id, { deviceId: current.device_id, toolId: current.tool_id, note: request.body.note });
        const [row] = await tx.query<Row>(`${SELECT} WHERE r.id = $1`, [current.id]);
        return toAdmin(row!);
      });
    },
  );
}
