// POST and GET /v1/exception-requests: an employee asks for a time-boxed exception; the agent shows its status.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../app-context.ts';
import { authenticateDevice } from '../device-auth.ts';
import { EXCEPTION_COLUMNS, exceptionInfo, type ExceptionRequestRow } from '../exception-requests.ts';
import { HttpError } from '../http-error.ts';
import { ExceptionRequestBodySchema, ExceptionRequestInfoSchema, ExceptionRequestListSchema } from '../schemas/agent-api-schemas.ts';
import { errorResponses } from '../schemas/error-schema.ts';

/** A device may not flood IT's queue. */
const MAX_PENDING_PER_DEVICE = 20;

export function exceptionRequestRoutes(app: FastifyInstance, ctx: AppContext): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  typed.post(
    '/v1/exception-requests',
    { schema: { tags: ['agent'], security: [{ deviceToken: [] }], body: ExceptionRequestBodySchema, response: { 201: ExceptionRequestInfoSchema, ...errorResponses(400, 401, 409, 422, 429) } } },
    async (request, reply) => {
      const device = await authenticateDevice(ctx.db, request);
      const b = request.body;
      if (!(await ctx.bundles.knowsTool(b.toolId))) throw new HttpError(422, 'unknown-tool', `body.toolId: "${b.toolId}" is not a catalogued tool or a custom tool of an assigned policy`);
      const [pending] = await ctx.db.query<{ n: number }>("SELECT count(*)::int AS n FROM exception_requests WHERE device_id = $1 AND status = 'pending'", [device.id]);
      if ((pending?.n ?? 0) >= MAX_PENDING_PER_DEVICE) throw new HttpError(409, 'too-many-pending', `this device already has ${MAX_PENDING_PER_DEVICE} pending requests`);
      const [row] = await ctx.db.query<ExceptionRequestRow>(
        `INSERT INTO exception_requests (id, device_id, tool_id, os_user, reason, days) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${EXCEPTION_COLUMNS}`,
        [randomUUID(), device.id, b.toolId, b.user, b.reason, b.days],
      );
      return reply.status(201).send(exceptionInfo(row!));
    },
  );
  typed.get(
    '/v1/exception-requests',
    { schema: { tags: ['agent'], security: [{ deviceToken: [] }], response: { 200: ExceptionRequestListSchema, ...errorResponses(401, 429) } } },
    async (request) => {
      const device = await authenticateDevice(ctx.db, request);
      const rows = await ctx.db.query<ExceptionRequestRow>(`SELECT ${EXCEPTION_COLUMNS} FROM exception_requests WHERE device_id = $1 ORDER BY requested_at DESC LIMIT 200`, [device.id]);
      return { requests: rows.map((r) => exceptionInfo(r)) };
    },
  );
}
