// GET /healthz for load balancers (checks the database too) and GET /openapi.json, generated from the route schemas.
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { AppContext } from '../app-context.ts';

export function healthRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/healthz', { schema: { response: { 200: Type.Object({ status: Type.Literal('ok'), database: Type.String() }) } } }, async () => {
    await ctx.db.query('SELECT 1');
    return { status: 'ok' as const, database: ctx.db.kind };
  });
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
}
