// Builds the Fastify application: schemas, error handling, rate limits, the agent API and the admin API.
// Stateless: everything lives in the database, so any number of instances can serve behind a load balancer.
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import type { AppContext } from './app-context.ts';
import { AuthenticatedTokens } from './authenticated-tokens.ts';
import { bearerToken } from './device-auth.ts';
import { sessionCookie } from './admin-sessions.ts';
import { installCharsetHook } from './charset-hook.ts';
import { installErrorHandler } from './error-handler.ts';
import { frameworkErrorOptions } from './framework-errors.ts';
import { requestValidatorCompiler } from './request-validators.ts';
import { installTextSafetyHook } from './text-safety-hook.ts';
import { hashSecret } from './secret-hash.ts';
import { HttpError } from './http-error.ts';
import { ErrorSchema } from './schemas/error-schema.ts';
import { adminRoutes } from './routes/admin-routes.ts';
import { consoleRoutes } from './routes/console-routes.ts';
import { enrolRoute } from './routes/enrol-route.ts';
import { eventsRoute } from './routes/events-route.ts';
import { exceptionRequestRoutes } from './routes/exception-request-routes.ts';
import { healthRoutes } from './routes/health-routes.ts';
import { heartbeatRoute } from './routes/heartbeat-route.ts';
import { policyRoute } from './routes/policy-route.ts';

export interface AppOptions {
  logger?: FastifyServerOptions['logger'];
  https?: { key: string; cert: string };
  /** The built console (npm run build); undefined finds it beside the code. */
  consoleDir?: string;
}

export async function buildApp(ctx: AppContext, options: AppOptions = {}): Promise<FastifyInstance> {
  // Node checks for overdue requests on this interval; a quarter of the timeout keeps a 408 close to it.
  const connectionsCheckingInterval = Math.min(30_000, Math.max(100, Math.floor(ctx.settings.requestTimeoutMs / 4)));
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: ctx.settings.bodyLimit,
    ...frameworkErrorOptions(ctx.settings.requestTimeoutMs),
    ...(options.https ? { https: { ...options.https, connectionsCheckingInterval } } : { http: { connectionsCheckingInterval } }),
    trustProxy: ctx.settings.trustProxy,
    return503OnClosing: true,
  }) as unknown as FastifyInstance;
  app.setValidatorCompiler(requestValidatorCompiler());
  installErrorHandler(app);
  installTextSafetyHook(app);
  installCharsetHook(app);
  app.addSchema(ErrorSchema);
  await app.register(swagger, {
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Cordon server', version: '1', description: 'Agent API (/v1) and admin API (/admin/v1) of the Cordon central server.' },
      components: {
        securitySchemes: {
          deviceToken: { type: 'http', scheme: 'bearer', description: 'device token from POST /v1/enrol' },
          adminToken: { type: 'http', scheme: 'bearer', description: 'admin or viewer token' },
          consoleSession: { type: 'apiKey', in: 'cookie', name: 'cordon_session', description: 'console session from POST /admin/v1/session; requests that change something also send x-cordon-csrf' },
        },
      },
    },
  });
  AuthenticatedTokens.install(app);
  if (ctx.settings.rateLimitPerMinute > 0) {
    await app.register(rateLimit, {
      max: ctx.settings.rateLimitPerMinute,
      timeWindow: 60_000,
      // Room for a fleet's tokens: a bucket evicted early is a budget refilled early.
      cache: 100_000,
      // Per device/admin token once that token has authenticated (agents behind one NAT must not share a budget);
      // everything else — no token, a made-up or a revoked one, a token's very first request — per client address.
      keyGenerator: (request) => {
        const token = bearerToken(request) ?? sessionCookie(request);
        const hash = token ? hashSecret(token) : undefined;
        return hash && app.authenticatedTokens.has(hash) ? `t:${hash}` : `ip:${request.ip}`;
      },
      allowList: (request) => request.url === '/healthz',
      // The plugin throws what this returns; the error handler turns it into the usual error body.
      errorResponseBuilder: (_request, context) => new HttpError(429, 'rate-limited', `more than ${context.max} requests per minute; retry in ${context.after}`),
    });
  }
  healthRoutes(app, ctx);
  enrolRoute(app, ctx);
  policyRoute(app, ctx);
  eventsRoute(app, ctx);
  heartbeatRoute(app, ctx);
  exceptionRequestRoutes(app, ctx);
  adminRoutes(app, ctx);
  consoleRoutes(app, options.consoleDir);
  return app;
}
