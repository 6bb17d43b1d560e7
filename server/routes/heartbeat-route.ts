// POST /v1/heartbeat: the agent's health, mode, policy in force and inventory of installed AI CLIs.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../app-context.ts';
import { authenticateDevice } from '../device-auth.ts';
import { HeartbeatBodySchema, HeartbeatReplySchema } from '../schemas/agent-api-schemas.ts';
import { errorResponses } from '../schemas/error-schema.ts';

export function heartbeatRoute(app: FastifyInstance, ctx: AppContext): void {
  app.withTypeProvider<TypeBoxTypeProvider>().post(
    '/v1/heartbeat',
    { schema: { tags: ['agent'], security: [{ deviceToken: [] }], body: HeartbeatBodySchema, response: { 200: HeartbeatReplySchema, ...errorResponses(400, 401, 413, 429) } } },
    async (request) => {
      const device = await authenticateDevice(ctx.db, request);
      const b = request.body;
      await ctx.db.query(
        `UPDATE devices SET last_seen_at = now(), agent_version = $2, mode = $3, reported_policy_id = $4, reported_serial = $5,
                reported_digest = $6, queue = $7::jsonb, health = $8::jsonb, installed = $9::jsonb
          WHERE id = $1`,
        [device.id, b.agentVersion, b.mode, b.policy.id, b.policy.serial, b.policy.digest, JSON.stringify(b.queue), JSON.stringify(b.health), JSON.stringify(b.installed)],
      );
      return { serverTime: new Date().toISOString() };
    },
  );
}
