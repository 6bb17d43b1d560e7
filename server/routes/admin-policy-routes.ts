// /admin/v1/policies and /admin/v1/assignments: push YAML (validated by the policy core), list versions,
// roll back, assign to groups. Every change bumps the generation (devices pick it up) and is audited.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { parse as parseYaml } from 'yaml';
import { parsePolicy, ValidationError, type Catalog, type PolicyDocument } from '../../policy/index.ts';
import { actorOf, ADMIN_SECURITY, requireAdmin } from '../admin-auth.ts';
import type { AppContext } from '../app-context.ts';
import { recordAudit } from '../audit-log.ts';
import { HttpError } from '../http-error.ts';
import { bumpGeneration } from '../policy-generation.ts';
import { lineDiff } from '../line-diff.ts';
import {
  AssignmentBodySchema,
  AssignmentSchema,
  GroupParam,
  PolicyIdParam,
  PolicySummarySchema,
  PolicyUploadBodySchema,
  PolicyUploadReplySchema,
  PolicyVersionSchema,
  PolicyDiffBodySchema,
  PolicyDiffReplySchema,
  PolicyValidateBodySchema,
  PolicyValidateReplySchema,
  RollbackBodySchema,
} from '../schemas/admin-api-schemas.ts';
import { errorResponses } from '../schemas/error-schema.ts';

const security = ADMIN_SECURITY;

function parseUploaded(yaml: string, catalog: Catalog): PolicyDocument {
  try {
    return parsePolicy(yaml, 'body.yaml', catalog);
  } catch (err) {
    if (err instanceof ValidationError) throw new HttpError(422, 'invalid-policy', err.message, err.problems);
    // Parsing is pure, so anything else it throws is about the input too.
    const message = `body.yaml: ${(err as Error).message}`;
    throw new HttpError(422, 'invalid-policy', message, [{ path: '', message }]);
  }
}

/** The policy id a YAML text names, even when the text is otherwise invalid. */
function declaredPolicyId(yaml: string): string | undefined {
  try {
    const doc: unknown = parseYaml(yaml);
    const id = doc && typeof doc === 'object' ? (doc as { id?: unknown }).id : undefined;
    return typeof id === 'string' && id.length > 0 && id.length <= 63 ? id : undefined;
  } catch {
    return undefined;
  }
}

export function adminPolicyRoutes(app: FastifyInstance, ctx: AppContext): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  // Changes nothing, so a viewer may call it: the console validates as IT types.
  typed.post(
    '/admin/v1/policies/validate',
    { schema: { tags: ['admin'], security, body: PolicyValidateBodySchema, response: { 200: PolicyValidateReplySchema, ...errorResponses(400, 401) } } },
    async (request) => {
      await requireAdmin(ctx.db, request, 'viewer');
      try {
        const doc = parseUploaded(request.body.yaml, await ctx.catalog.current());
        return { valid: true, policyId: doc.id, problems: [] };
      } catch (err) {
        if (!(err instanceof HttpError) || !err.problems) throw err;
        return { valid: false, policyId: declaredPolicyId(request.body.yaml) ?? null, problems: err.problems.map(({ path, message, line, column }) => ({ path, message, line, column })) };
      }
    },
  );

  typed.post(
    '/admin/v1/policies/diff',
    {
      schema: {
        tags: ['admin'],
        security,
        description: 'A line diff of the YAML against the version in force of the policy it names (or of policyId). Changes nothing.',
        body: PolicyDiffBodySchema,
        response: { 200: PolicyDiffReplySchema, ...errorResponses(400, 401, 422) },
      },
    },
    async (request) => {
      await requireAdmin(ctx.db, request, 'viewer');
      const policyId = request.body.policyId ?? declaredPolicyId(request.body.yaml);
      if (!policyId) throw new HttpError(422, 'invalid-policy', 'body.yaml: names no policy id (and body.policyId is not given)');
      const [row] = await ctx.db.query<{ version: number; yaml: string }>(
        'SELECT v.version, v.yaml FROM policy_heads h JOIN policy_versions v ON v.policy_id = h.policy_id AND v.version = h.current_version WHERE h.policy_id = $1',
        [policyId],
      );
      const lines = lineDiff(row?.yaml ?? '', request.body.yaml);
      return { policyId, inForceVersion: row?.version ?? null, lines, changed: lines.some((l) => l.op !== ' ') };
    },
  );

  typed.post(
    '/admin/v1/policies',
    { schema: { tags: ['admin'], security, body: PolicyUploadBodySchema, response: { 201: PolicyUploadReplySchema, ...errorResponses(400, 401, 403, 422) } } },
    async (request, reply) => {
      const who = await requireAdmin(ctx.db, request, 'admin');
      const doc = parseUploaded(request.body.yaml, await ctx.catalog.current());
      const groups = [...new Set(request.body.groups ?? [])];
      const version = await ctx.db.transaction(async (tx) => {
        await tx.query('INSERT INTO policy_heads (policy_id, current_version) VALUES ($1, 0) ON CONFLICT (policy_id) DO NOTHING', [doc.id]);
        // The head row lock serialises concurrent pushes of one policy, so versions never collide.
        await tx.query('SELECT policy_id FROM policy_heads WHERE policy_id = $1 FOR UPDATE', [doc.id]);
        const [row] = await tx.query<{ v: number }>('SELECT COALESCE(max(version), 0)::int AS v FROM policy_versions WHERE policy_id = $1', [doc.id]);
        const v = (row?.v ?? 0) + 1;
        await tx.query('INSERT INTO policy_versions (policy_id, version, yaml, document, created_by) VALUES ($1, $2, $3, $4::jsonb, $5)', [doc.id, v, request.body.yaml, JSON.stringify(doc), actorOf(who)]);
        await tx.query('UPDATE policy_heads SET current_version = $2, updated_at = now() WHERE policy_id = $1', [doc.id, v]);
        for (const group of groups) {
          await tx.query(
            `INSERT INTO policy_assignments (group_name, policy_id, assigned_by) VALUES ($1, $2, $3)
             ON CONFLICT (group_name) DO UPDATE SET policy_id = EXCLUDED.policy_id, assigned_at = now(), assigned_by = EXCLUDED.assigned_by`,
            [group, doc.id, actorOf(who)],
          );
        }
        await bumpGeneration(tx);
        await recordAudit(tx, actorOf(who), 'policy.push', doc.id, { version: v, groups, name: doc.name, mode: doc.mode, rules: doc.rules.length });
        return v;
      });
      return reply.status(201).send({ policyId: doc.id, version, assignedTo: groups });
    },
  );

  typed.get(
    '/admin/v1/policies',
    { schema: { tags: ['admin'], security, response: { 200: Type.Object({ policies: Type.Array(PolicySummarySchema) }), ...errorResponses(401) } } },
    async (request) => {
      await requireAdmin(ctx.db, request, 'viewer');
      const rows = await ctx.db.query<{ policy_id: string; name: string; current_version: number; latest: number; updated_at: Date; groups: string[] }>(
        `SELECT h.policy_id, v.document->>'name' AS name, h.current_version,
                (SELECT max(version)::int FROM policy_versions x WHERE x.policy_id = h.policy_id) AS latest, h.updated_at,
                COALESCE((SELECT array_agg(group_name ORDER BY group_name) FROM policy_assignments a WHERE a.policy_id = h.policy_id), '{}') AS groups
           FROM policy_heads h JOIN policy_versions v ON v.policy_id = h.policy_id AND v.version = h.current_version
          ORDER BY h.policy_id`,
      );
      return {
        policies: rows.map((r) => ({ policyId: r.policy_id, name: r.name, currentVersion: r.current_version, latestVersion: r.latest, updatedAt: r.updated_at.toISOString(), groups: r.groups })),
      };
    },
  );

  typed.get(
    '/admin/v1/policies/:policyId/versions',
    { schema: { tags: ['admin'], security, params: PolicyIdParam, response: { 200: Type.Object({ versions: Type.Array(PolicyVersionSchema) }), ...errorResponses(401, 404) } } },
    async (request) => {
      await requireAdmin(ctx.db, request, 'viewer');
      const rows = await ctx.db.query<{ version: number; created_at: Date; created_by: string; current: boolean; yaml: string }>(
        `SELECT v.version, v.created_at, v.created_by, v.version = h.current_version AS current, v.yaml
           FROM policy_versions v JOIN policy_heads h USING (policy_id) WHERE v.policy_id = $1 ORDER BY v.version DESC`,
        [request.params.policyId],
      );
      if (!rows.length) throw new HttpError(404, 'not-found', `policyId: no policy "${request.params.policyId}"`);
      return { versions: rows.map((r) => ({ version: r.version, createdAt: r.created_at.toISOString(), createdBy: r.created_by, current: r.current, yaml: r.yaml })) };
    },
  );

  typed.post(
    '/admin/v1/policies/:policyId/rollback',
    {
      schema: {
        tags: ['admin'],
        security,
        params: PolicyIdParam,
        body: RollbackBodySchema,
        response: { 200: Type.Object({ policyId: Type.String(), currentVersion: Type.Integer(), previousVersion: Type.Integer() }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const who = await requireAdmin(ctx.db, request, 'admin');
      const { policyId } = request.params;
      return ctx.db.transaction(async (tx) => {
        const [head] = await tx.query<{ current_version: number }>('SELECT current_version FROM policy_heads WHERE policy_id = $1 FOR UPDATE', [policyId]);
        if (!head) throw new HttpError(404, 'not-found', `policyId: no policy "${policyId}"`);
        const target = request.body.version ?? head.current_version - 1;
        const [exists] = await tx.query('SELECT 1 FROM policy_versions WHERE policy_id = $1 AND version = $2', [policyId, target]);
        if (!exists) throw new HttpError(404, 'not-found', `body.version: policy "${policyId}" has no version ${target}`);
        await tx.query('UPDATE policy_heads SET current_version = $2, updated_at = now() WHERE policy_id = $1', [policyId, target]);
        await bumpGeneration(tx);
        await recordAudit(tx, actorOf(who), 'policy.rollback', policyId, { from: head.current_version, to: target });
        return { policyId, currentVersion: target, previousVersion: head.current_version };
      });
    },
  );

  typed.get(
    '/admin/v1/assignments',
    { schema: { tags: ['admin'], security, response: { 200: Type.Object({ assignments: Type.Array(AssignmentSchema) }), ...errorResponses(401) } } },
    async (request) => {
      await requireAdmin(ctx.db, request, 'viewer');
      const rows = await ctx.db.query<{ group_name: string; policy_id: string; assigned_at: Date; assigned_by: string }>('SELECT group_name, policy_id, assigned_at, assigned_by FROM policy_assignments ORDER BY group_name');
      return { assignments: rows.map((r) => ({ group: r.group_name, policyId: r.policy_id, assignedAt: r.assigned_at.toISOString(), assignedBy: r.assigned_by })) };
    },
  );

  typed.put(
    '/admin/v1/assignments/:group',
    { schema: { tags: ['admin'], security, params: GroupParam, body: AssignmentBodySchema, response: { 200: AssignmentSchema, ...errorResponses(400, 401, 403, 404) } } },
    async (request) => {
      const who = await requireAdmin(ctx.db, request, 'admin');
      const { group } = request.params;
      const { policyId } = request.body;
      return ctx.db.transaction(async (tx) => {
        const [head] = await tx.query('SELECT 1 FROM policy_heads WHERE policy_id = $1', [policyId]);
        if (!head) throw new HttpError(404, 'not-found', `body.policyId: no policy "${policyId}"; push it first`);
        const [row] = await tx.query<{ assigned_at: Date }>(
          `INSERT INTO policy_assignments (group_name, policy_id, assigned_by) VALUES ($1, $2, $3)
           ON CONFLICT (group_name) DO UPDATE SET policy_id = EXCLUDED.policy_id, assigned_at = now(), assigned_by = EXCLUDED.assigned_by
           RETURNING assigned_at`,
          [group, policyId, actorOf(who)],
        );
        await bumpGeneration(tx);
        await recordAudit(tx, actorOf(who), 'policy.assign', group, { policyId });
        return { group, policyId, assignedAt: row!.assigned_at.toISOString(), assignedBy: actorOf(who) };
      });
    },
  );

  typed.delete(
    '/admin/v1/assignments/:group',
    { schema: { tags: ['admin'], security, params: GroupParam, response: { 204: Type.Null(), ...errorResponses(401, 403, 404) } } },
    async (request, reply) => {
      const who = await requireAdmin(ctx.db, request, 'admin');
      const { group } = request.params;
      await ctx.db.transaction(async (tx) => {
        const removed = await tx.query('DELETE FROM policy_assignments WHERE group_name = $1 RETURNING policy_id', [group]);
        if (!removed.length) throw new HttpError(404, 'not-found', `group: "${group}" has no policy assigned`);
        await bumpGeneration(tx);
        await recordAudit(tx, actorOf(who), 'policy.unassign', group, {});
      });
      return (reply as FastifyReply).status(204).send();
    },
  );
}
