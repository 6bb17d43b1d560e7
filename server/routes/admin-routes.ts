// The admin API under /admin/v1; each area registers its own routes.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.ts';

export function adminRoutes(_app: FastifyInstance, _ctx: AppContext): void {}
