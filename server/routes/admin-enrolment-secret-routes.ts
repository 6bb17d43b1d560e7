// /admin/v1/enrolment-secrets: IT's per-device or per-batch enrolment secrets (shown once, stored hashed),
// listing them, and revoking one.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { actorOf, ADMIN_SECURITY, requireAdmin } from '../admin-auth.ts';
import type { AppContext } from '../app-context.ts';
import { recordAudit } from '../audit-log.ts';
import { createEnrolmentSecret, listEnrolmentSecrets } from '../enrolment-secrets.ts';
import { HttpError } from '../http-error.ts';
import { GroupName, IdParam } from '../schemas/admin-api-schemas.ts';
import { errorResponses } from '../schemas/error-schema.ts';

const security = ADMIN_SECURITY;

const CreateBody = Type.Object(
  {
    uses: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'enrolments it allows (default: no limit)' })),
    groups: Type.Optional(Type.Array(GroupName, { maxItems: 64, uniqueItems: true, description: 'the groups of a device that enrols with it' })),
    expiresInSeconds: Type.Integer({ minimum: 1, maximum: 10 * 366 * 86_400, description: 'it stops working this long from now' }),
  },
  { additionalProperties: false },
);

const SecretInfo = Type.Object({
  id: Type.String(),
  groups: Type.Array(Type.String()),
  usesLeft: Type.Union([Type.Integer(), Type.Null()]),
  expires: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  createdBy: Type.String(),
  revoked: Type.Boolean(),
});

export function adminEnrolmentSecretRoutes(app: FastifyInstance, ctx: AppContext): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  typed.post(
    '/admin/v1/enrolment-secrets',
    {
      schema: {
        tags: ['admin'],
        security,
        body: CreateBody,
        response: { 201: Type.Object({ id: Type.String(), secret: Type.String(), groups: Type.Array(Type.String()), uses: Type.Union([Type.Integer(), Type.Null()]), expires: Type.String() }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const who = await requireAdmin(ctx.db, request, 'admin');
      const groups = [...(request.body.groups ?? [])].sort();
      const expires = new Date(Date.now() + request.body.expiresInSeconds * 1000);
      const made = await ctx.db.transaction(async (tx) => {
        const s = await createEnrolmentSecret(tx, { groups, uses: request.body.uses, expires, createdBy: actorOf(who) });
        await recordAudit(tx, actorOf(who), 'enrolment-secret.create', s.id, { groups, uses: request.body.uses ?? null, expires: expires.toISOString() });
        return s;
      });
      return reply.status(201).send({ id: made.id, secret: made.secret, groups, uses: request.body.uses ?? null, expires: expires.toISOString() });
    },
  );

  typed.get(
    '/admin/v1/enrolment-secrets',
    { schema: { tags: ['admin'], security, response: { 200: Type.Object({ secrets: Type.Array(SecretInfo) }), ...errorResponses(401, 403) } } },
    async (request) => {
      await requireAdmin(ctx.db, request, 'admin');
      return { secrets: await listEnrolmentSecrets(ctx.db) };
    },
  );

  typed.delete(
    '/admin/v1/enrolment-secrets/:id',
    { schema: { tags: ['admin'], security, params: IdParam, response: { 204: Type.Null(), ...errorResponses(401, 403, 404) } } },
    async (request, reply) => {
      const who = await requireAdmin(ctx.db, request, 'admin');
      await ctx.db.transaction(async (tx) => {
        const rows = await tx.query('UPDATE enrolment_secrets SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 RETURNING id', [request.params.id]);
        if (!rows.length) throw new HttpError(404, 'not-found', `id: no enrolment secret "${request.params.id}"`);
        await recordAudit(tx, actorOf(who), 'enrolment-secret.revoke', request.params.id);
      });
      return (reply as FastifyReply).status(204).send();
    },
  );
}
