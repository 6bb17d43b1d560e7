// /admin/v1/tokens: make, list and revoke admin API tokens. Only admins; the token is shown once.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { actorOf, ADMIN_SECURITY, requireAdmin } from '../admin-auth.ts';
import { createAdminToken } from '../admin-tokens.ts';
import type { AppContext } from '../app-context.ts';
import { recordAudit } from '../audit-log.ts';
import { HttpError } from '../http-error.ts';
import { IdParam, TokenBodySchema, TokenSchema } from '../schemas/admin-api-schemas.ts';
import { errorResponses } from '../schemas/error-schema.ts';

const security = ADMIN_SECURITY;

export function adminTokenRoutes(app: FastifyInstance, ctx: AppContext): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  typed.post(
    '/admin/v1/tokens',
    { schema: { tags: ['admin'], security, body: TokenBodySchema, response: { 201: Type.Object({ id: Type.String(), name: Type.String(), role: Type.String(), token: Type.String() }), ...errorResponses(400, 401, 403) } } },
    async (request, reply) => {
      const who = await requireAdmin(ctx.db, request, 'admin');
      const { name, role } = request.body;
      const made = await ctx.db.transaction(async (tx) => {
        const t = await createAdminToken(tx, name, role);
        await recordAudit(tx, actorOf(who), 'token.create', t.id, { name, role });
        return t;
      });
      return reply.status(201).send({ id: made.id, name, role, token: made.token });
    },
  );

  typed.get(
    '/admin/v1/tokens',
    { schema: { tags: ['admin'], security, response: { 200: Type.Object({ tokens: Type.Array(TokenSchema) }), ...errorResponses(401, 403) } } },
    async (request) => {
      await requireAdmin(ctx.db, request, 'admin');
      const rows = await ctx.db.query<{ id: string; name: string; role: string; created_at: Date; revoked: boolean }>(
        'SELECT id, name, role, created_at, revoked_at IS NOT NULL AS revoked FROM admin_tokens ORDER BY created_at',
      );
      return { tokens: rows.map((r) => ({ id: r.id, name: r.name, role: r.role, createdAt: r.created_at.toISOString(), revoked: r.revoked })) };
    },
  );

  typed.delete(
    '/admin/v1/tokens/:id',
    { schema: { tags: ['admin'], security, params: IdParam, response: { 204: Type.Null(), ...errorResponses(401, 403, 404) } } },
    async (request, reply) => {
      const who = await requireAdmin(ctx.db, request, 'admin');
      await ctx.db.transaction(async (tx) => {
        const rows = await tx.query('UPDATE admin_tokens SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 RETURNING id', [request.params.id]);
        if (!rows.length) throw new HttpError(404, 'not-found', `id: no admin token "${request.params.id}"`);
        await recordAudit(tx, actorOf(who), 'token.revoke', request.params.id);
      });
      return (reply as FastifyReply).status(204).send();
    },
  );
}
