// A device's effective policy document: the base policy (assigned to "*"), then the rules of the policies assigned
// to the device's groups in front of the base rules (first matching rule wins, so group rules take precedence),
// then the employee exceptions IT approved for this device.
import { readFileSync } from 'node:fs';
import { builtInCatalog, DEFAULT_POLICY_FILE, parsePolicy, type Catalog, type PolicyDocument } from '../policy/index.ts';

export const BASE_GROUP = '*';

export interface ApprovedException {
  id: string;
  toolId: string;
  user: string;
  expires: Date;
  reason: string;
}

let builtIn: PolicyDocument | undefined;
/** Until IT assigns a base policy, devices get the built-in default (every catalogued tool blocked). */
export function builtInPolicyDocument(): PolicyDocument {
  builtIn ??= parsePolicy(readFileSync(DEFAULT_POLICY_FILE, 'utf8'), DEFAULT_POLICY_FILE, builtInCatalog());
  return builtIn;
}

export function effectivePolicyDocument(
  base: PolicyDocument,
  groupPolicies: ReadonlyArray<{ group: string; doc: PolicyDocument }>,
  approved: readonly ApprovedException[],
  deviceId: string,
  catalog: Catalog = builtInCatalog(),
): PolicyDocument {
  const seen = new Set([base.id]);
  const groupRules: PolicyDocument['rules'] = [];
  const customTools = [...(base.customTools ?? [])];
  const exceptions = [...(base.exceptions ?? [])];
  for (const { group, doc } of [...groupPolicies].sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0))) {
    if (seen.has(doc.id)) continue;
    seen.add(doc.id);
    const d = doc.defaults ?? {};
    for (const rule of doc.rules) {
      // A group policy's rules keep its own defaults; ids are qualified so rules from two policies never collide.
      groupRules.push({
        ...rule,
        id: `${group}/${doc.id}/${rule.id}`,
        reason: rule.reason ?? d.reason,
        moreInfoUrl: rule.moreInfoUrl ?? d.moreInfoUrl,
        alternatives: rule.alternatives ?? d.alternatives,
        installed: rule.installed ?? d.installed,
      });
    }
    for (const tool of doc.customTools ?? []) if (!customTools.some((t) => t.id === tool.id)) customTools.push(tool);
    exceptions.push(...(doc.exceptions ?? []));
  }
  const known = (id: string) => catalog.has(id) || customTools.some((t) => t.id === id);
  for (const ex of approved) {
    if (!known(ex.toolId)) continue;
    exceptions.push({ id: `request-${ex.id}`, tool: ex.toolId, device: deviceId, user: ex.user, expires: ex.expires.toISOString(), reason: ex.reason });
  }
  return {
    ...base,
    customTools: customTools.length ? customTools : undefined,
    rules: [...groupRules, ...base.rules],
    exceptions,
  };
}
