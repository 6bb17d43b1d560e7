// /admin/v1/catalog: the AI-CLI catalog in force and its import. A release only moves forward, must keep every
// policy in force valid, and reaches the fleet in the next signed policies (the import bumps the generation).
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  builtInCatalog,
  canonicalJson,
  catalogChanges,
  catalogOfRelease,
  compareCatalogVersions,
  formatProblems,
  parseCatalogRelease,
  parsePolicy,
  ValidationError,
  type Catalog,
  type CatalogRelease,
  type Problem,
} from '../../policy/index.ts';
import { actorOf, ADMIN_SECURITY, requireAdmin } from '../admin-auth.ts';
import type { AppContext } from '../app-context.ts';
import { recordAudit } from '../audit-log.ts';
import type { Queryable } from '../database/database.ts';
import { HttpError } from '../http-error.ts';
import { bumpGeneration } from '../policy-generation.ts';
import { CatalogImportBodySchema, CatalogImportReplySchema, CatalogSummarySchema } from '../schemas/admin-api-schemas.ts';
import { errorResponses } from '../schemas/error-schema.ts';

const security = ADMIN_SECURITY;

function parseRelease(text: string): CatalogRelease {
  try {
    return parseCatalogRelease(text, 'body.release');
  } catch (err) {
    if (err instanceof ValidationError) throw new HttpError(422, 'invalid-catalog', err.message, err.problems);
    throw err;
  }
}

/** Every policy version in force, validated against the new catalog: a release may not orphan a rule's tool. */
async function policiesBrokenBy(tx: Queryable, next: Catalog): Promise<Problem[]> {
  const rows = await tx.query<{ policy_id: string; version: number; yaml: string }>(
    `SELECT v.policy_id, v.version, v.yaml FROM policy_heads h
       JOIN policy_versions v ON v.policy_id = h.policy_id AND v.version = h.current_version ORDER BY v.policy_id`,
  );
  const problems: Problem[] = [];
  for (const r of rows) {
    try {
      parsePolicy(r.yaml, `policy ${r.policy_id} version ${r.version}`, next);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      for (const p of err.problems) problems.push({ path: `policies.${r.policy_id}.${p.path}`, message: p.message, line: p.line, column: p.column });
    }
  }
  return problems;
}

export function adminCatalogRoutes(app: FastifyInstance, ctx: AppContext): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  typed.get('/admin/v1/catalog', { schema: { tags: ['admin'], security, response: { 200: CatalogSummarySchema, ...errorResponses(401) } } }, async (request) => {
    await requireAdmin(ctx.db, request, 'viewer');
    const current = await ctx.catalog.current();
    const rows = await ctx.db.query<{ version: string; tools: number; digest: string; imported_at: Date; imported_by: string }>(
      'SELECT version, tools, digest, imported_at, imported_by FROM catalog_releases',
    );
    const builtInVersion = builtInCatalog().version;
    return {
      version: current.version,
      source: current === builtInCatalog() ? ('built-in' as const) : ('imported' as const),
      builtInVersion,
      tools: current.entries.map((e) => ({ id: e.id, name: e.name, vendor: e.vendor })),
      releases: rows
        .sort((a, b) => compareCatalogVersions(b.version, a.version))
        .map((r) => ({ version: r.version, tools: r.tools, digest: r.digest, importedAt: r.imported_at.toISOString(), importedBy: r.imported_by, inForce: r.version === current.version && current !== builtInCatalog() })),
    };
  });

  typed.post(
    '/admin/v1/catalog',
    { schema: { tags: ['admin'], security, body: CatalogImportBodySchema, response: { 201: CatalogImportReplySchema, ...errorResponses(400, 401, 403, 409, 422) } } },
    async (request, reply) => {
      const who = await requireAdmin(ctx.db, request, 'admin');
      const release = parseRelease(request.body.release);
      const next = catalogOfRelease(release);
      const result = await ctx.db.transaction(async (tx) => {
        // The state row's lock serialises imports (and pushes bumping the generation) across server instances.
        await tx.query('SELECT generation FROM server_state WHERE id = 1 FOR UPDATE');
        const current = await ctx.catalog.current(tx);
        if (compareCatalogVersions(release.version, current.version) <= 0)
          throw new HttpError(
            409,
            'catalog-not-newer',
            `body.release: version ${release.version} is not newer than the catalog in force (${current.version}); a catalog only moves forward — to undo a release, import a corrected one with a higher version`,
          );
        const broken = await policiesBrokenBy(tx, next);
        if (broken.length)
          throw new HttpError(
            422,
            'catalog-breaks-policy',
            `catalog ${release.version} would break policies in force; change them first. ${formatProblems('body.release', broken)}`,
            broken,
          );
        const digest = createHash('sha256').update(canonicalJson(release)).digest('hex');
        await tx.query('INSERT INTO catalog_releases (version, release, digest, tools, imported_by) VALUES ($1, $2::jsonb, $3, $4, $5)', [
          release.version,
          JSON.stringify(release),
          digest,
          release.entries.length,
          actorOf(who),
        ]);
        const changes = catalogChanges(current, next);
        await bumpGeneration(tx);
        await recordAudit(tx, actorOf(who), 'catalog.import', release.version, { previousVersion: current.version, digest, tools: release.entries.length, ...changes });
        return { version: release.version, previousVersion: current.version, tools: release.entries.length, ...changes };
      });
      return reply.status(201).send(result);
    },
  );
}
