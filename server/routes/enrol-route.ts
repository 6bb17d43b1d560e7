// POST /v1/enrol: an agent presents the installer's enrolment secret and its facts; it gets a device id and token.
// Groups are not among the facts a device may state: IT assigns them on the server.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../app-context.ts';
import { randomSecret } from '../data-dir.ts';
import { redeemEnrolmentSecret } from '../enrolment-secrets.ts';
import { HttpError } from '../http-error.ts';
import { EnrolBodySchema, EnrolReplySchema } from '../schemas/agent-api-schemas.ts';
import { errorResponses } from '../schemas/error-schema.ts';
import { hashSecret, secretsEqual } from '../secret-hash.ts';

export function enrolRoute(app: FastifyInstance, ctx: AppContext): void {
  app.withTypeProvider<TypeBoxTypeProvider>().post(
    '/v1/enrol',
    { schema: { tags: ['agent'], body: EnrolBodySchema, response: { 201: EnrolReplySchema, ...errorResponses(400, 401, 403, 413, 429) } } },
    async (request, reply) => {
      const { secret, device, serialFloor = 0 } = request.body;
      // The installer-wide shared secret (unless IT turned it off), or one of IT's per-device secrets (one use spent).
      const shared = ctx.settings.sharedEnrolSecret && secretsEqual(secret, ctx.enrolSecret);
      const issued = shared ? undefined : await redeemEnrolmentSecret(ctx.db, secret);
      if (!shared && !issued) throw new HttpError(401, 'invalid-secret', "body.secret: not this server's enrolment secret (or used up, expired or revoked)");
      const groups = issued?.groups ?? [];
      const token = randomSecret();
      const facts = [device.hostname, device.os, device.arch, device.user, device.agentVersion, device.tags];
      const again = request.body.deviceId;
      if (again) {
        // Enrolling again as itself (its token was refused): same id, new token, its groups and serials kept. A
        // revoked device stays revoked. The agent refuses any other id in the answer, so it is this one or none.
        const [known] = await ctx.db.query<{ revoked: boolean }>('SELECT revoked_at IS NOT NULL AS revoked FROM devices WHERE id = $1', [again]);
        if (known?.revoked) throw new HttpError(403, 'device-revoked', `body.deviceId: device ${again} was revoked by IT; it cannot enrol again`);
        if (known)
          await ctx.db.query(
            `UPDATE devices SET token_hash = $2, hostname = $3, os = $4, arch = $5, os_user = $6, agent_version = $7, tags = $8,
                    bundle_digest = CASE WHEN bundle_serial < $9 THEN NULL ELSE bundle_digest END,
                    bundle_serial = GREATEST(bundle_serial, $9), bundle_generation = 0
              WHERE id = $1 AND revoked_at IS NULL`,
            [again, hashSecret(token), ...facts, serialFloor],
          );
        else await insertDevice(ctx, again, token, facts, groups, serialFloor); // the server lost it (restored from a backup)
        request.log.info({ deviceId: again, hostname: device.hostname }, 'device enrolled again');
        return reply.status(201).send({ deviceId: again, token });
      }
      const deviceId = randomUUID();
      await insertDevice(ctx, deviceId, token, facts, groups, serialFloor);
      request.log.info({ deviceId, hostname: device.hostname }, 'device enrolled');
      return reply.status(201).send({ deviceId, token });
    },
  );
}

/** A new device row: groups are IT's (from the enrolment secret), its serials start above what the agent accepted. */
async function insertDevice(ctx: AppContext, id: string, token: string, facts: unknown[], groups: string[], serialFloor: number): Promise<void> {
  await ctx.db.query(
    `INSERT INTO devices (id, token_hash, hostname, os, arch, os_user, agent_version, tags, groups, bundle_serial)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [id, hashSecret(token), ...facts, groups, serialFloor],
  );
}
