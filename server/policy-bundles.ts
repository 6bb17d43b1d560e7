// Issues each device its signed effective policy. The bundle is cached on the device row together with the
// server generation it reflects: while nothing changed, a check is one query and a 304. When something changed,
// the policy is recompiled; only a different compiled policy gets a new, higher serial.
import { createHash } from 'node:crypto';
import { canonicalJson, compilePolicy, signBundle, type Catalog, type PolicyDocument } from '../policy/index.ts';
import type { Database } from './database/database.ts';
import type { AuthenticatedDevice } from './device-auth.ts';
import { BASE_GROUP, builtInPolicyDocument, effectivePolicyDocument, type ApprovedException } from './effective-policy.ts';
import type { ServerCatalog } from './server-catalog.ts';
import type { SigningKeys } from './signing-keys.ts';

export interface IssuedBundle {
  etag: string;
  /** The bundle as JSON text, sent as is. */
  body: string;
}

interface Assignments {
  generation: number;
  base: PolicyDocument;
  groups: Map<string, PolicyDocument>;
  /** A catalog import bumps the generation too, so the catalog is read with the assignments. */
  catalog: Catalog;
}

export class PolicyBundles {
  private assignments: Assignments | undefined;
  constructor(
    private readonly db: Database,
    private readonly keys: SigningKeys,
    private readonly catalog: ServerCatalog,
  ) {}

  static etagOf(payload: string): string {
    return `"${createHash('sha256').update(payload, 'utf8').digest('hex')}"`;
  }

  /** The device's current bundle, recompiling it if the server changed since it was issued. */
  async bundleFor(device: AuthenticatedDevice): Promise<IssuedBundle> {
    if (device.bundle_generation === device.generation && device.bundle_etag) {
      const cached = await this.storedBundle(device.id);
      if (cached) return cached;
    }
    return this.reissue(device);
  }

  /** Whether an exception for this tool id could ever apply: a catalogued tool or a custom tool of an assigned policy. */
  async knowsTool(toolId: string): Promise<boolean> {
    const [state] = await this.db.query<{ generation: number }>('SELECT generation FROM server_state WHERE id = 1');
    const { base, groups, catalog } = await this.loadAssignments(Number(state?.generation));
    if (catalog.has(toolId)) return true;
    return [base, ...groups.values()].some((doc) => doc.customTools?.some((t) => t.id === toolId));
  }

  private async storedBundle(deviceId: string): Promise<IssuedBundle | undefined> {
    const [row] = await this.db.query<{ bundle: string | null; bundle_etag: string | null }>('SELECT bundle, bundle_etag FROM devices WHERE id = $1', [deviceId]);
    return row?.bundle && row.bundle_etag ? { body: row.bundle, etag: row.bundle_etag } : undefined;
  }

  private async loadAssignments(generation: number): Promise<Assignments> {
    if (this.assignments?.generation === generation) return this.assignments;
    const rows = await this.db.query<{ group_name: string; document: PolicyDocument }>(
      `SELECT a.group_name, v.document
         FROM policy_assignments a
         JOIN policy_heads h ON h.policy_id = a.policy_id
         JOIN policy_versions v ON v.policy_id = h.policy_id AND v.version = h.current_version`,
    );
    const groups = new Map(rows.map((r) => [r.group_name, r.document]));
    const base = groups.get(BASE_GROUP) ?? builtInPolicyDocument();
    groups.delete(BASE_GROUP);
    this.assignments = { generation, base, groups, catalog: await this.catalog.current() };
    return this.assignments;
  }

  private async reissue(device: AuthenticatedDevice): Promise<IssuedBundle> {
    const { base, groups, catalog } = await this.loadAssignments(device.generation);
    const approved = (
      await this.db.query<{ id: string; tool_id: string; os_user: string; expires: Date; reason: string }>(
        `SELECT id, tool_id, os_user, expires, reason FROM exception_requests
          WHERE device_id = $1 AND status = 'approved' AND expires > now() ORDER BY id`,
        [device.id],
      )
    ).map((r): ApprovedException => ({ id: r.id, toolId: r.tool_id, user: r.os_user, expires: r.expires, reason: r.reason }));
    const groupPolicies = device.groups.flatMap((group) => {
      const doc = groups.get(group);
      return doc ? [{ group, doc }] : [];
    });
    const compiled = compilePolicy(effectivePolicyDocument(base, groupPolicies, approved, device.id, catalog), catalog);
    // The groups are signed in with the policy (the agent judges appliesTo.groups by them), so a change of
    // groups alone is a new bundle too.
    const groupList = [...device.groups].sort();
    const digest = createHash('sha256').update(canonicalJson({ groups: groupList, policy: compiled })).digest('hex');
    if (digest === device.bundle_digest) {
      // Same policy as before: keep serial and bundle (so the agent keeps its 304s), just note the generation.
      await this.db.query('UPDATE devices SET bundle_generation = GREATEST(bundle_generation, $2) WHERE id = $1', [device.id, device.generation]);
      const stored = await this.storedBundle(device.id);
      if (stored) return stored;
    }
    const serial = device.bundle_serial + 1;
    const bundle = signBundle({ serial, issuedAt: new Date().toISOString(), device: device.id, groups: groupList, policy: compiled }, this.keys.current);
    const issued = { body: JSON.stringify(bundle), etag: PolicyBundles.etagOf(bundle.payload) };
    // Optimistic: if another instance issued a bundle meanwhile, its serial moved on and this update matches nothing.
    const updated = await this.db.query(
      `UPDATE devices SET bundle = $2, bundle_etag = $3, bundle_digest = $4, bundle_serial = $5, bundle_generation = $6
        WHERE id = $1 AND bundle_serial = $7 RETURNING id`,
      [device.id, issued.body, issued.etag, digest, serial, device.generation, device.bundle_serial],
    );
    if (updated.length) return issued;
    return (await this.storedBundle(device.id)) ?? issued;
  }
}
