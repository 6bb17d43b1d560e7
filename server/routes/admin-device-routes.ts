// /admin/v1/devices: the fleet with last seen, compliance and policy in force; revoking a device's token; setting
// a device's groups (the server's word: a device never chooses its own).
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { actorOf, ADMIN_SECURITY, requireAdmin } from '../admin-auth.ts';
import type { AppContext } from '../app-context.ts';
import { recordAudit } from '../audit-log.ts';
import { COMPLIANCE_SQL } from '../device-compliance.ts';
import { HttpError } from '../http-error.ts';
import { DeviceGroupsBodySchema, DeviceIdParam, DeviceListSchema, DeviceQuerySchema, DeviceSchema } from '../schemas/admin-api-schemas.ts';
import { errorResponses } from '../schemas/error-schema.ts';

const security = ADMIN_SECURITY;

interface DeviceRow {
  id: string;
  hostname: string;
  os: string;
  arch: string;
  os_user: string;
  agent_version: string;
  groups: string[];
  tags: string[];
  enrolled_at: Date;
  last_seen_at: Date | null;
  compliance: string;
  mode: string | null;
  reported_policy_id: string | null;
  reported_serial: number | null;
  bundle_serial: number;
  installed: { toolId: string; name: string; path: string; state: string }[];
  health: { problems?: string[] } | null;
  revoked: boolean;
}

// Compliance, worst first. $1 = seconds without a heartbeat after which a device counts as silent.
const DEVICES_SQL = `
SELECT * FROM (
  SELECT id, hostname, os, arch, os_user, agent_version, groups, tags, enrolled_at, last_seen_at, mode,
         reported_policy_id, reported_serial, bundle_serial, installed, health, revoked_at IS NOT NULL AS revoked,
         ${COMPLIANCE_SQL} AS compliance
    FROM devices
) d
WHERE ($2::text IS NULL OR $2 = ANY (groups))
  AND ($3::text IS NULL OR compliance = $3)
  AND ($4::text IS NULL OR strpos(lower(hostname), lower($4)) > 0)
  AND ($5::text IS NULL OR reported_policy_id = $5)
  AND ($6::text IS NULL OR id > $6)
  AND ($7::text IS NULL OR id = $7)
  AND ($9::text IS NULL OR os_user = $9)
  AND ($10::text IS NULL OR installed @> jsonb_build_array(jsonb_build_object('toolId', $10::text)))
ORDER BY id
LIMIT $8`;

function toDevice(r: DeviceRow) {
  return {
    id: r.id,
    hostname: r.hostname,
    os: r.os,
    arch: r.arch,
    user: r.os_user,
    agentVersion: r.agent_version,
    groups: r.groups,
    tags: r.tags,
    enrolledAt: r.enrolled_at.toISOString(),
    lastSeenAt: r.last_seen_at?.toISOString() ?? null,
    compliance: r.compliance as never,
    mode: r.mode,
    policy: { id: r.reported_policy_id, serialInForce: r.reported_serial, serialIssued: r.bundle_serial },
    installed: r.installed.map(({ toolId, name, path, state }) => ({ toolId, name, path, state })),
    healthProblems: r.health?.problems ?? [],
    revoked: r.revoked,
  };
}

export function adminDeviceRoutes(app: FastifyInstance, ctx: AppContext): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  typed.get(
    '/admin/v1/devices',
    { schema: { tags: ['admin'], security, querystring: DeviceQuerySchema, response: { 200: DeviceListSchema, ...errorResponses(400, 401) } } },
    async (request) => {
      await requireAdmin(ctx.db, request, 'viewer');
      const q = request.query;
      const limit = q.limit ?? 100;
      const rows = await ctx.db.query<DeviceRow>(DEVICES_SQL, [
        ctx.settings.silentAfterSeconds, q.group ?? null, q.compliance ?? null, q.hostname ?? null, q.policyId ?? null, q.cursor ?? null, null, limit, q.user ?? null, q.tool ?? null,
      ]);
      return { devices: rows.map(toDevice), nextCursor: rows.length === limit ? rows[rows.length - 1]!.id : null };
    },
  );

  typed.get(
    '/admin/v1/devices/:id',
    { schema: { tags: ['admin'], security, params: DeviceIdParam, response: { 200: DeviceSchema, ...errorResponses(401, 404) } } },
    async (request) => {
      await requireAdmin(ctx.db, request, 'viewer');
      const [row] = await ctx.db.query<DeviceRow>(DEVICES_SQL, [ctx.settings.silentAfterSeconds, null, null, null, null, null, request.params.id, 1, null, null]);
      if (!row) throw new HttpError(404, 'not-found', `id: no device "${request.params.id}"`);
      return toDevice(row);
    },
  );

  typed.post(
    '/admin/v1/devices/:id/revoke',
    { schema: { tags: ['admin'], security, params: DeviceIdParam, response: { 200: Type.Object({ id: Type.String(), revoked: Type.Boolean() }), ...errorResponses(401, 403, 404) } } },
    async (request) => {
      const who = await requireAdmin(ctx.db, request, 'admin');
      const { id } = request.params;
      await ctx.db.transaction(async (tx) => {
        const rows = await tx.query('UPDATE devices SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 RETURNING id', [id]);
        if (!rows.length) throw new HttpError(404, 'not-found', `id: no device "${id}"`);
        await recordAudit(tx, actorOf(who), 'device.revoke', id);
      });
      return { id, revoked: true };
    },
  );

  typed.put(
    '/admin/v1/devices/:id/groups',
    { schema: { tags: ['admin'], security, params: DeviceIdParam, body: DeviceGroupsBodySchema, response: { 200: Type.Object({ id: Type.String(), groups: Type.Array(Type.String()) }), ...errorResponses(400, 401, 403, 404) } } },
    async (request) => {
      const who = await requireAdmin(ctx.db, request, 'admin');
      const { id } = request.params;
      const groups = [...request.body.groups].sort();
      await ctx.db.transaction(async (tx) => {
        // bundle_generation 0: the device's next policy check recompiles (and signs the new groups in).
        const rows = await tx.query('UPDATE devices SET groups = $2, bundle_generation = 0 WHERE id = $1 RETURNING id', [id, groups]);
        if (!rows.length) throw new HttpError(404, 'not-found', `id: no device "${id}"`);
        await recordAudit(tx, actorOf(who), 'device.groups', id, { groups });
      });
      return { id, groups };
    },
  );
}
