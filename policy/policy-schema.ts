// Schema of an organisation's policy document, authored as YAML by IT ("policy as code").
// Published as JSON Schema in policy/policy.schema.json (see `npm run schema`).
import Type, { type Static } from 'typebox';

export const POLICY_SCHEMA_VERSION = 1;

const Id = Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,62}$', description: 'a lower-case identifier (a-z, 0-9, and . _ - after the first character)' });
const NonEmpty = Type.String({ minLength: 1 });
const HttpsUrl = Type.String({ pattern: '^(https://|mailto:)', description: 'an https:// or mailto: URL' });

/** Text shown to employees. `en` is required; other BCP 47 tags (e.g. zh-CN) are optional. */
// TypeBox's static type cannot say "en plus any other tag", so the type is given explicitly.
export type LocalizedText = { en: string } & Partial<Record<string, string>>;
export const LocalizedTextSchema = Type.Unsafe<LocalizedText>(Type.Object(
  { en: NonEmpty },
  {
    additionalProperties: Type.String({ minLength: 1 }),
    propertyNames: { pattern: '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$' },
    description: 'localised text: { en: "...", zh-CN: "..." }',
  },
));

export const ActionSchema = Type.Union(
  [Type.Literal('block'), Type.Literal('warn'), Type.Literal('audit'), Type.Literal('allow')],
  { description: 'block: stop it; warn: let it run and tell the user; audit: record silently; allow: nothing' },
);
export const InstalledActionSchema = Type.Union([Type.Literal('report'), Type.Literal('quarantine')], {
  description: 'what to do with installed copies that are not running',
});
export const ModeSchema = Type.Union([Type.Literal('enforce'), Type.Literal('monitor')], {
  description: 'monitor: never stop anything, record what would have been blocked',
});

export const AlternativeSchema = Type.Object(
  {
    name: NonEmpty,
    url: Type.Optional(HttpsUrl),
    description: Type.Optional(LocalizedTextSchema),
  },
  { additionalProperties: false },
);

export const TargetingSchema = Type.Object(
  {
    groups: Type.Optional(Type.Array(NonEmpty, { description: 'device groups/tags; empty or absent = every device' })),
    users: Type.Optional(Type.Array(NonEmpty, { description: 'user names; empty or absent = every user' })),
    excludeGroups: Type.Optional(Type.Array(NonEmpty)),
    excludeUsers: Type.Optional(Type.Array(NonEmpty)),
  },
  { additionalProperties: false },
);

/** Signatures written inline in a policy, for in-house or not-yet-catalogued tools. */
export const InlineToolSchema = Type.Object(
  {
    id: Id,
    name: NonEmpty,
    npm: Type.Optional(Type.Array(NonEmpty)),
    pypiModules: Type.Optional(Type.Array(NonEmpty)),
    paths: Type.Optional(Type.Array(NonEmpty)),
    sha256: Type.Optional(Type.Array(Type.String({ pattern: '^[0-9a-f]{64}$' }))),
  },
  { additionalProperties: false },
);

/** A condition on a rule: when it does not hold, the rule is skipped and the next one decides. */
export const RuleConditionSchema = Type.Object(
  {
    endpoints: Type.Array(NonEmpty, {
      minItems: 1,
      description:
        'globs on the URL the tool will send to, e.g. "https://llm.acme.internal/*": `*` is any run of characters, but never a "/" in the scheme and host',
    }),
    pin: Type.Optional(
      Type.String({
        pattern: '^https?://',
        description: 'the URL the agent writes into the vendors\' managed settings (default: the first endpoint glob without its trailing "/*", when it has no other wildcard)',
      }),
    ),
  },
  { additionalProperties: false },
);

export const RuleSchema = Type.Object(
  {
    id: Id,
    tools: Type.Array(NonEmpty, { minItems: 1, description: 'catalog ids or ids of `customTools`; "*" = every catalogued tool' }),
    action: ActionSchema,
    installed: Type.Optional(InstalledActionSchema),
    reason: Type.Optional(LocalizedTextSchema),
    moreInfoUrl: Type.Optional(HttpsUrl),
    alternatives: Type.Optional(Type.Array(AlternativeSchema)),
    appliesTo: Type.Optional(TargetingSchema),
    when: Type.Optional(RuleConditionSchema),
  },
  { additionalProperties: false },
);

export const ExceptionSchema = Type.Object(
  {
    id: Type.Optional(NonEmpty),
    tool: NonEmpty,
    device: Type.Optional(NonEmpty),
    user: Type.Optional(NonEmpty),
    expires: Type.String({ format: 'date-time', description: 'RFC 3339 time; the exception ends then' }),
    reason: Type.Optional(NonEmpty),
  },
  { additionalProperties: false, description: 'time-boxed permission for one device or one user (or both)' },
);

export const AgentSettingsSchema = Type.Object(
  {
    scanIntervalMs: Type.Optional(Type.Integer({ minimum: 20, maximum: 10_000 })),
    syncIntervalSeconds: Type.Optional(Type.Integer({ minimum: 30, maximum: 86_400 })),
    inventoryIntervalSeconds: Type.Optional(Type.Integer({ minimum: 300, maximum: 7 * 86_400 })),
    heartbeatIntervalSeconds: Type.Optional(Type.Integer({ minimum: 30, maximum: 86_400 })),
    execGuardUnanswered: Type.Optional(
      Type.Union([Type.Literal('allow'), Type.Literal('deny')], {
        description:
          "Linux exec guard: what happens to an exec the agent cannot judge in time (agent restarting, stalled, too slow). 'allow' (default, fail-open): it runs, and is stopped after it starts if banned. 'deny' (fail-closed): it fails, so every new program on the machine fails to start while the agent is down, including an administrator's repair shell; only for machines recoverable from outside.",
      }),
    ),
  },
  { additionalProperties: false },
);

export const PolicyDocumentSchema = Type.Object(
  {
    schemaVersion: Type.Literal(POLICY_SCHEMA_VERSION),
    id: Id,
    name: NonEmpty,
    mode: ModeSchema,
    defaults: Type.Optional(
      Type.Object(
        {
          reason: Type.Optional(LocalizedTextSchema),
          moreInfoUrl: Type.Optional(HttpsUrl),
          exceptionUrl: Type.Optional(HttpsUrl),
          alternatives: Type.Optional(Type.Array(AlternativeSchema)),
          installed: Type.Optional(InstalledActionSchema),
        },
        { additionalProperties: false },
      ),
    ),
    customTools: Type.Optional(Type.Array(InlineToolSchema)),
    rules: Type.Array(RuleSchema, { description: 'first rule that names a tool and targets the device/user wins' }),
    exceptions: Type.Optional(Type.Array(ExceptionSchema)),
    agent: Type.Optional(AgentSettingsSchema),
  },
  { additionalProperties: false },
);

export type Action = Static<typeof ActionSchema>;
export type InstalledAction = Static<typeof InstalledActionSchema>;
export type Mode = Static<typeof ModeSchema>;
export type Alternative = Static<typeof AlternativeSchema>;
export type Targeting = Static<typeof TargetingSchema>;
export type InlineTool = Static<typeof InlineToolSchema>;
export type Rule = Static<typeof RuleSchema>;
export type RuleCondition = Static<typeof RuleConditionSchema>;
export type PolicyException = Static<typeof ExceptionSchema>;
export type AgentSettings = Static<typeof AgentSettingsSchema>;
export type PolicyDocument = Static<typeof PolicyDocumentSchema>;
