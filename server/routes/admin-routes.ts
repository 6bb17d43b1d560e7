// The admin API under /admin/v1; each area registers its own routes.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.ts';
import { adminAuditRoutes } from './admin-audit-routes.ts';
import { adminOverviewRoutes } from './admin-overview-routes.ts';
import { adminSessionRoutes } from './admin-session-routes.ts';
import { adminCatalogRoutes } from './admin-catalog-routes.ts';
import { adminDeviceRoutes } from './admin-device-routes.ts';
import { adminEnrolmentSecretRoutes } from './admin-enrolment-secret-routes.ts';
import { adminEventRoutes } from './admin-event-routes.ts';
import { adminExceptionRoutes } from './admin-exception-routes.ts';
import { adminPolicyRoutes } from './admin-policy-routes.ts';
import { adminTokenRoutes } from './admin-token-routes.ts';

export function adminRoutes(app: FastifyInstance, ctx: AppContext): void {
  adminSessionRoutes(app, ctx);
  adminOverviewRoutes(app, ctx);
  adminPolicyRoutes(app, ctx);
  adminDeviceRoutes(app, ctx);
  adminEventRoutes(app, ctx);
  adminExceptionRoutes(app, ctx);
  adminAuditRoutes(app, ctx);
  adminTokenRoutes(app, ctx);
  adminEnrolmentSecretRoutes(app, ctx);
  adminCatalogRoutes(app, ctx);
}
