// GET /v1/policy: the device's signed effective policy, or 304 when its ETag still matches.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { PolicyBundle } from '../../policy/index.ts';
import type { AppContext } from '../app-context.ts';
import { authenticateDevice } from '../device-auth.ts';
import { PolicyBundleReplySchema, PolicyHeadersSchema } from '../schemas/agent-api-schemas.ts';
import { errorResponses } from '../schemas/error-schema.ts';

function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}

export function policyRoute(app: FastifyInstance, ctx: AppContext): void {
  app.withTypeProvider<TypeBoxTypeProvider>().get(
    '/v1/policy',
    {
      schema: {
        tags: ['agent'],
        security: [{ deviceToken: [] }],
        headers: PolicyHeadersSchema,
        response: { 200: PolicyBundleReplySchema, 304: { type: 'null', description: 'unchanged since the ETag given' }, ...errorResponses(401, 429) },
      },
    },
    async (request, reply) => {
      const device = await authenticateDevice(ctx.db, request);
      const ifNoneMatch = request.headers['if-none-match'];
      // The common case: nothing changed on the server since this device's bundle was issued.
      if (device.bundle_generation === device.generation && device.bundle_etag && matches(ifNoneMatch, device.bundle_etag)) {
        return (reply as FastifyReply).status(304).header('etag', device.bundle_etag).send();
      }
      const issued = await ctx.bundles.bundleFor(device);
      void reply.header('etag', issued.etag).header('cache-control', 'no-cache');
      // No payload at all: a 304 must not announce a body (keep-alive clients would wait for it).
      if (matches(ifNoneMatch, issued.etag)) return (reply as FastifyReply).status(304).send();
      // Already JSON: sent byte for byte, never re-serialised.
      return reply.status(200).type('application/json').serializer((p) => p as string).send(issued.body as unknown as PolicyBundle);
    },
  );
}
