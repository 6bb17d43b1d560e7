// /admin/v1/session: the console's sign-in. POST exchanges an admin or viewer token for a session cookie (the
// token is checked once and never stored in the browser); GET says who is signed in and hands the page its CSRF
// token; DELETE signs out.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { checkCsrf, checkSameOrigin } from '../admin-csrf.ts';
import { createSession, deleteSession, findSession, SESSION_SECONDS, sessionCookie, setSessionCookie, type AdminSession } from '../admin-sessions.ts';
import { authenticateAdminToken } from '../admin-tokens.ts';
import type { AppContext } from '../app-context.ts';
import { recordAudit } from '../audit-log.ts';
import { HttpError } from '../http-error.ts';
import { SessionSchema, SignInBodySchema } from '../schemas/admin-api-schemas.ts';
import { errorResponses } from '../schemas/error-schema.ts';

function describe(session: AdminSession) {
  return { name: session.identity.name, role: session.identity.role, csrfToken: session.csrfToken, expiresAt: session.expiresAt.toISOString() };
}

export function adminSessionRoutes(app: FastifyInstance, ctx: AppContext): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  typed.post(
    '/admin/v1/session',
    { schema: { tags: ['admin'], body: SignInBodySchema, response: { 201: SessionSchema, ...errorResponses(400, 401, 403) } } },
    async (request, reply) => {
      // A sign-in from another site would log this browser into an attacker's session.
      checkSameOrigin(request);
      const identity = await authenticateAdminToken(ctx.db, request.body.token);
      if (!identity) throw new HttpError(401, 'invalid-token', 'body.token: admin token is unknown or revoked');
      const made = await ctx.db.transaction(async (tx) => {
        const m = await createSession(tx, { provider: 'token', subject: identity.tokenId, identity });
        await recordAudit(tx, `${identity.name} (${identity.tokenId})`, 'session.sign-in', identity.tokenId, { role: identity.role });
        return m;
      });
      setSessionCookie(request, reply, made.id, SESSION_SECONDS);
      return reply.status(201).send(describe(made.session));
    },
  );

  typed.get('/admin/v1/session', { schema: { tags: ['admin'], security: [{ consoleSession: [] }], response: { 200: SessionSchema, ...errorResponses(401) } } }, async (request) => {
    const id = sessionCookie(request);
    const session = id ? await findSession(ctx.db, id) : undefined;
    if (!session) throw new HttpError(401, 'invalid-token', 'not signed in');
    return describe(session);
  });

  typed.delete('/admin/v1/session', { schema: { tags: ['admin'], security: [{ consoleSession: [] }], response: { 204: Type.Null(), ...errorResponses(401, 403) } } }, async (request, reply) => {
    const id = sessionCookie(request);
    const session = id ? await findSession(ctx.db, id) : undefined;
    if (id && session) {
      checkCsrf(request, session.csrfToken);
      await deleteSession(ctx.db, id);
    }
    setSessionCookie(request, reply, '', 0);
    return (reply as FastifyReply).status(204).send();
  });
}
