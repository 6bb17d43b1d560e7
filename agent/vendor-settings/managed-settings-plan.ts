// What the policy asks the vendors' own managed settings to say: for every tool a `when: { endpoints }` rule
// allows with a pinned URL, and whose catalog entry names machine-wide managed settings, the keys to set in that
// file on this platform. Machine-wide files cannot follow per-user rules, so rules aimed at users are left out.
import type { CompiledPolicy } from '../../policy/index.ts';
import type { DeviceContext } from '../../policy/matcher.ts';

export interface ManagedFilePlan {
  path: string;
  format: 'json' | 'toml';
  /** Dotted key → value; the agent owns exactly these keys in the file. */
  keys: Record<string, string>;
  /** The tools whose settings these are, for events. */
  toolIds: string[];
}

export function managedSettingsPlan(policy: CompiledPolicy, device: DeviceContext, platform: NodeJS.Platform = process.platform): ManagedFilePlan[] {
  const os = platform === 'darwin' || platform === 'win32' ? platform : 'linux';
  const tools = new Map(policy.tools.map((t) => [t.id, t]));
  const decided = new Set<string>();
  const files = new Map<string, ManagedFilePlan>();
  for (const rule of policy.rules) {
    const t = rule.appliesTo;
    const forThisDevice = (!t.groups.length || t.groups.some((g) => device.groups.includes(g))) && !t.excludeGroups.some((g) => device.groups.includes(g));
    const perUser = t.users.length > 0 || t.excludeUsers.length > 0;
    for (const id of rule.tools) {
      // First rule for a tool on this device wins, as in the matcher.
      if (decided.has(id) || !forThisDevice || perUser) continue;
      decided.add(id);
      const managed = tools.get(id)?.endpoint?.managedSettings;
      const pin = rule.when?.pin;
      if (rule.action !== 'allow' || !managed || !pin) continue;
      const path = managed[os];
      const plan = files.get(path) ?? { path, format: managed.format, keys: {}, toolIds: [] };
      for (const [key, value] of Object.entries(managed.keys)) plan.keys[key] = value.replaceAll('{pin}', pin);
      plan.toolIds.push(id);
      files.set(path, plan);
    }
  }
  return [...files.values()];
}
