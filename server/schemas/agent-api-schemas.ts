// Schemas of the agent API (/v1): the request and response bodies of the agent <-> server contract.
// They validate requests (Fastify/Ajv), type the handlers (TypeBox provider) and feed /openapi.json.
import Type, { type Static } from 'typebox';
import { PolicyBundleSchema } from '../../policy/index.ts';

const Name = (max: number) => Type.String({ minLength: 1, maxLength: max });
const Label = Type.String({ minLength: 1, maxLength: 128, pattern: '^[^\\u0000-\\u001f]+$' });

export const EnrolBodySchema = Type.Object(
  {
    secret: Name(512),
    device: Type.Object(
      {
        hostname: Name(255),
        os: Name(64),
        arch: Name(32),
        user: Name(256),
        agentVersion: Name(64),
        // Ignored: groups decide policy, so IT assigns them on the server (admin API, enrolment secrets), never the device.
        groups: Type.Optional(Type.Array(Label, { maxItems: 64 })),
        tags: Type.Array(Label, { maxItems: 64 }),
      },
      { additionalProperties: false },
    ),
    deviceId: Type.Optional(
      Type.String({
        pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
        description: 'enrol again as this device (its token was refused); a revoked device is refused',
      }),
    ),
    serialFloor: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 2_147_483_647, description: "the highest policy serial the agent has accepted: the device's series continues above it" }),
    ),
  },
  { additionalProperties: false },
);
export type EnrolBody = Static<typeof EnrolBodySchema>;

export const EnrolReplySchema = Type.Object({ deviceId: Type.String(), token: Type.String() });

export const PolicyHeadersSchema = Type.Object({ 'if-none-match': Type.Optional(Type.String({ maxLength: 1024 })) });
export const PolicyBundleReplySchema = PolicyBundleSchema;

export const EventTypeSchema = Type.Union([
  Type.Literal('block'), Type.Literal('would-block'), Type.Literal('warn'), Type.Literal('audit'), Type.Literal('block-failed'),
  Type.Literal('install-found'), Type.Literal('install-removed'), Type.Literal('quarantine'), Type.Literal('restore'),
  Type.Literal('policy.applied'), Type.Literal('policy.rejected'), Type.Literal('agent.started'), Type.Literal('agent.error'),
  Type.Literal('managed-settings'),
]);

export const EventIdSchema = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$', description: 'letters, digits and . _ : - (a UUID)' });

/** One event, checked one by one so a bad event is rejected alone, not with its whole batch. */
export const AgentEventSchema = Type.Object(
  {
    id: EventIdSchema,
    type: EventTypeSchema,
    at: Type.String({ format: 'date-time' }),
    toolId: Type.Optional(Name(128)),
    toolName: Type.Optional(Name(256)),
    pid: Type.Optional(Type.Integer({ minimum: 0 })),
    ppid: Type.Optional(Type.Integer({ minimum: 0 })),
    processStartTime: Type.Optional(Type.Number({ minimum: 0 })),
    exe: Type.Optional(Type.String({ maxLength: 4096 })),
    argv: Type.Optional(Type.Array(Type.String({ maxLength: 8192 }), { maxItems: 256 })),
    user: Type.Optional(Type.String({ maxLength: 256 })),
    tty: Type.Optional(Type.String({ maxLength: 256 })),
    ruleId: Type.Optional(Type.String({ maxLength: 256 })),
    evidence: Type.Optional(Type.String({ maxLength: 256 })),
    message: Type.Optional(Type.String({ maxLength: 4096 })),
    detail: Type.Optional(Type.Record(Type.String({ maxLength: 128 }), Type.Union([Type.String({ maxLength: 4096 }), Type.Number(), Type.Boolean()]))),
  },
  // Newer agents may send more fields; they are kept, not refused.
  { additionalProperties: true },
);

export const MAX_EVENTS_PER_BATCH = 500;

export const EventsBodySchema = Type.Object(
  {
    events: Type.Array(Type.Object({ id: EventIdSchema }, { additionalProperties: true }), { minItems: 1, maxItems: MAX_EVENTS_PER_BATCH }),
  },
  { additionalProperties: false },
);

export const EventsReplySchema = Type.Object({
  durable: Type.Array(Type.String()),
  rejected: Type.Array(Type.Object({ id: Type.String(), problem: Type.String() })),
});

// Heartbeats are telemetry: fields a newer agent adds are ignored rather than costing the device its heartbeat.
export const InstalledToolSchema = Type.Object(
  {
    toolId: Name(128),
    name: Name(256),
    path: Type.String({ minLength: 1, maxLength: 4096 }),
    user: Type.Optional(Type.String({ maxLength: 256 })),
    via: Type.String({ maxLength: 128 }),
    version: Type.Optional(Type.String({ maxLength: 128 })),
    foundAt: Type.String({ format: 'date-time' }),
    state: Type.Union([Type.Literal('not-allowed'), Type.Literal('allowed'), Type.Literal('quarantined')]),
  },
  { additionalProperties: true },
);

export const HeartbeatBodySchema = Type.Object(
  {
    agentVersion: Name(64),
    mode: Type.Union([Type.Literal('enforce'), Type.Literal('monitor')]),
    policy: Type.Object(
      {
        id: Name(128),
        serial: Type.Union([Type.Integer({ minimum: 0, maximum: 2_147_483_647 }), Type.Null()]),
        digest: Type.String({ maxLength: 128 }),
      },
      { additionalProperties: true },
    ),
    queue: Type.Object({ pending: Type.Integer({ minimum: 0 }), dropped: Type.Integer({ minimum: 0 }) }, { additionalProperties: true }),
    health: Type.Object({ watcher: Type.String({ maxLength: 256 }), problems: Type.Array(Type.String({ maxLength: 1024 }), { maxItems: 64 }) }, { additionalProperties: true }),
    installed: Type.Array(InstalledToolSchema, { maxItems: 1000 }),
  },
  { additionalProperties: true },
);
export type HeartbeatBody = Static<typeof HeartbeatBodySchema>;

export const HeartbeatReplySchema = Type.Object({ serverTime: Type.String() });

export const ExceptionRequestBodySchema = Type.Object(
  {
    toolId: Name(128),
    reason: Name(2000),
    days: Type.Integer({ minimum: 1, maximum: 365 }),
    user: Name(256),
  },
  { additionalProperties: false },
);

export const ExceptionRequestInfoSchema = Type.Object({
  id: Type.String(),
  toolId: Type.String(),
  reason: Type.String(),
  days: Type.Integer(),
  requestedAt: Type.String(),
  status: Type.Union([Type.Literal('queued'), Type.Literal('pending'), Type.Literal('approved'), Type.Literal('denied'), Type.Literal('expired')]),
  decidedAt: Type.Optional(Type.String()),
  expires: Type.Optional(Type.String()),
  note: Type.Optional(Type.String()),
});

export const ExceptionRequestListSchema = Type.Object({ requests: Type.Array(ExceptionRequestInfoSchema) });
