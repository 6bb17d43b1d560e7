// The compiled policy: the document resolved against the catalog, defaults filled in, self-contained.
// It is what the server signs and the agent enforces, so an agent never needs a newer catalog than its policy.
import type { Catalog } from './catalog.ts';
import Type, { type Static } from 'typebox';
import { EndpointResolutionSchema, SignaturesSchema } from './catalog-schema.ts';
import { pinnedUrlOf } from './endpoint-glob.ts';
import {
  ActionSchema,
  AlternativeSchema,
  InstalledActionSchema,
  LocalizedTextSchema,
  ModeSchema,
  type LocalizedText,
  type PolicyDocument,
} from './policy-schema.ts';

export const COMPILED_POLICY_FORMAT = 'cordon.policy/1';

const NonEmpty = Type.String({ minLength: 1 });
const Strings = Type.Array(NonEmpty);

export const CompiledToolSchema = Type.Object(
  {
    id: NonEmpty,
    name: NonEmpty,
    vendor: NonEmpty,
    vendorTranslations: Type.Optional(Type.Record(NonEmpty, NonEmpty)),
    homepage: Type.Optional(NonEmpty),
    /** The tool this library or adapter runs: what its signatures find is that tool, "via" this one. */
    embeds: Type.Optional(NonEmpty),
    dataDestinations: Strings,
    signatures: SignaturesSchema,
    /** How the tool decides where it sends (catalog data), carried for `when: { endpoints }` rules. */
    endpoint: Type.Optional(EndpointResolutionSchema),
  },
  { additionalProperties: false },
);

export const CompiledRuleSchema = Type.Object(
  {
    id: NonEmpty,
    tools: Strings,
    action: ActionSchema,
    installed: InstalledActionSchema,
    reason: LocalizedTextSchema,
    moreInfoUrl: Type.Optional(NonEmpty),
    alternatives: Type.Array(AlternativeSchema),
    appliesTo: Type.Object(
      { groups: Strings, users: Strings, excludeGroups: Strings, excludeUsers: Strings },
      { additionalProperties: false },
    ),
    /** The rule applies only when the tool will send to one of these URL globs; otherwise the next rule decides. */
    when: Type.Optional(
      Type.Object(
        { endpoints: Strings, pin: Type.Optional(NonEmpty) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const CompiledExceptionSchema = Type.Object(
  {
    id: NonEmpty,
    tool: NonEmpty,
    device: Type.Optional(NonEmpty),
    user: Type.Optional(NonEmpty),
    expires: Type.String({ format: 'date-time' }),
    reason: Type.Optional(NonEmpty),
  },
  { additionalProperties: false },
);

export const CompiledAgentSettingsSchema = Type.Object(
  {
    scanIntervalMs: Type.Integer({ minimum: 20, maximum: 10_000 }),
    syncIntervalSeconds: Type.Integer({ minimum: 30, maximum: 86_400 }),
    inventoryIntervalSeconds: Type.Integer({ minimum: 300, maximum: 7 * 86_400 }),
    heartbeatIntervalSeconds: Type.Integer({ minimum: 30, maximum: 86_400 }),
    /** Absent in policies compiled before it existed: fail-open. */
    execGuardUnanswered: Type.Optional(Type.Union([Type.Literal('allow'), Type.Literal('deny')])),
  },
  { additionalProperties: false },
);

export const CompiledPolicySchema = Type.Object(
  {
    format: Type.Literal(COMPILED_POLICY_FORMAT),
    policyId: NonEmpty,
    name: NonEmpty,
    mode: ModeSchema,
    exceptionUrl: Type.Optional(NonEmpty),
    tools: Type.Array(CompiledToolSchema),
    rules: Type.Array(CompiledRuleSchema),
    exceptions: Type.Array(CompiledExceptionSchema),
    agent: CompiledAgentSettingsSchema,
  },
  { additionalProperties: false },
);

export type CompiledTool = Static<typeof CompiledToolSchema>;
export type CompiledRule = Static<typeof CompiledRuleSchema>;
export type CompiledException = Static<typeof CompiledExceptionSchema>;
export type CompiledAgentSettings = Static<typeof CompiledAgentSettingsSchema>;
export type CompiledPolicy = Static<typeof CompiledPolicySchema>;

export const DEFAULT_AGENT_SETTINGS: CompiledAgentSettings = {
  scanIntervalMs: 100,
  syncIntervalSeconds: 300,
  inventoryIntervalSeconds: 3600,
  heartbeatIntervalSeconds: 600,
};

/** Used when neither the rule nor the policy's defaults give a reason. `{tool}`/`{vendor}` are filled in. */
export const FALLBACK_REASON: LocalizedText = {
  en: '{tool} sends source code to {vendor}, outside the company. It is not approved for use on company devices.',
  'zh-CN': '{tool} 会将源代码发送到公司外部的 {vendor}，未获准在公司设备上使用。',
};

/** Resolves a validated document (see parsePolicy) into its compiled form. Pure and deterministic. */
export function compilePolicy(doc: PolicyDocument, catalog: Catalog): CompiledPolicy {
  const defaults = doc.defaults ?? {};
  const tools = new Map<string, CompiledTool>();
  const custom = new Map((doc.customTools ?? []).map((t) => [t.id, t]));
  const resolveTool = (id: string): void => {
    if (tools.has(id)) return;
    const entry = catalog.get(id);
    if (entry) {
      tools.set(id, {
        id,
        name: entry.name,
        vendor: entry.vendor,
        ...(entry.vendorTranslations ? { vendorTranslations: { ...entry.vendorTranslations } } : {}),
        homepage: entry.homepage,
        ...(entry.embeds ? { embeds: entry.embeds } : {}),
        dataDestinations: [...entry.dataDestinations],
        signatures: entry.signatures,
        ...(entry.endpoint ? { endpoint: entry.endpoint } : {}),
      });
      // A library that runs a tool and the tool it runs travel together: a rule about either sees both.
      if (entry.embeds) resolveTool(entry.embeds);
      for (const other of catalog.entries) if (other.embeds === id) resolveTool(other.id);
      return;
    }
    const inline = custom.get(id);
    if (!inline) throw new Error(`unknown tool "${id}" (validate the policy before compiling it)`);
    tools.set(id, {
      id,
      name: inline.name,
      vendor: 'custom',
      dataDestinations: [],
      signatures: {
        npm: inline.npm,
        pypi: inline.pypiModules ? { packages: [], modules: inline.pypiModules } : undefined,
        paths: inline.paths,
        sha256: inline.sha256?.map((sha256) => ({ sha256, version: 'any', platform: 'any', file: 'custom' })),
      },
    });
  };
  const rules: CompiledRule[] = doc.rules.map((rule) => {
    const ids = rule.tools.includes('*') ? catalog.ids : rule.tools;
    ids.forEach(resolveTool);
    return {
      id: rule.id,
      tools: [...ids],
      action: rule.action,
      installed: rule.action === 'allow' ? 'report' : (rule.installed ?? defaults.installed ?? 'report'),
      reason: rule.reason ?? defaults.reason ?? FALLBACK_REASON,
      moreInfoUrl: rule.moreInfoUrl ?? defaults.moreInfoUrl,
      alternatives: rule.alternatives ?? defaults.alternatives ?? [],
      appliesTo: {
        groups: rule.appliesTo?.groups ?? [],
        users: rule.appliesTo?.users ?? [],
        excludeGroups: rule.appliesTo?.excludeGroups ?? [],
        excludeUsers: rule.appliesTo?.excludeUsers ?? [],
      },
      ...(rule.when ? { when: compileCondition(rule.when.endpoints, rule.when.pin) } : {}),
    };
  });
  const exceptions = (doc.exceptions ?? []).map((ex, i): CompiledException => {
    resolveTool(ex.tool);
    return { id: ex.id ?? `exception-${i + 1}`, tool: ex.tool, device: ex.device, user: ex.user, expires: new Date(ex.expires).toISOString(), reason: ex.reason };
  });
  return {
    format: COMPILED_POLICY_FORMAT,
    policyId: doc.id,
    name: doc.name,
    mode: doc.mode,
    exceptionUrl: defaults.exceptionUrl,
    tools: [...tools.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    rules,
    exceptions,
    agent: { ...DEFAULT_AGENT_SETTINGS, ...doc.agent },
  };
}

function compileCondition(endpoints: readonly string[], pin: string | undefined): NonNullable<CompiledRule['when']> {
  const pinned = pin ?? endpoints.map(pinnedUrlOf).find((u) => u !== null);
  return { endpoints: [...endpoints], ...(pinned ? { pin: pinned } : {}) };
}
