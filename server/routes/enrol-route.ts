// POST /v1/enrol: an agent presents the installer's enrolment secret and its facts; it gets a device id and token.
// Groups are not among the facts a device may state: IT assigns them on the server.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../app-context.ts';
import { randomSecret } from '../data-dir.ts';
import { HttpError } from '../http-error.ts';
import { EnrolBodySchema, EnrolReplySchema } from '../schemas/agent-api-schemas.ts';
import { errorResponses } from '../schemas/error-schema.ts';
import { hashSecret, secretsEqual } from '../secret-hash.ts';

export function enrolRoute(app: FastifyInstance, ctx: AppContext): void {
  app.withTypeProvider<TypeBoxTypeProvider>().post(
    '/v1/enrol',
    { schema: { tags: ['agent'], body: EnrolBodySchema, response: { 201: EnrolReplySchema, ...errorResponses(400, 401, 413, 429) } } },
    async (request, reply) => {
      const { secret, device } = request.body;
      if (!secretsEqual(secret, ctx.enrolSecret)) throw new HttpError(401, 'invalid-secret', 'body.secret: not this server\'s enrolment secret');
      const deviceId = randomUUID();
      const token = randomSecret();
      await ctx.db.query(
        `INSERT INTO devices (id, token_hash, hostname, os, arch, os_user, agent_version, groups, tags)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [deviceId, hashSecret(token), device.hostname, device.os, device.arch, device.user, device.agentVersion, [], device.tags],
      );
      request.log.info({ deviceId, hostname: device.hostname }, 'device enrolled');
      return reply.status(201).send({ deviceId, token });
    },
  );
}
