// Schemas of the admin API (/admin/v1): policies, assignments, devices, events, exceptions, audit log, tokens.
import Type from 'typebox';

const Str = (max = 256) => Type.String({ minLength: 1, maxLength: max });
const Opt = <T extends Parameters<typeof Type.Optional>[0]>(t: T) => Type.Optional(t);
const DateTime = Type.String({ format: 'date-time' });
export const Cursor = Type.String({ pattern: '^[0-9A-Za-z._:-]{1,128}$', description: 'nextCursor of the previous page' });
export const Limit = Type.Integer({ minimum: 1, maximum: 1000, default: 100 });
export const PolicyIdParam = Type.Object({ policyId: Str(63) });

export const PolicyUploadBodySchema = Type.Object(
  {
    yaml: Type.String({ minLength: 1, maxLength: 512 * 1024 }),
    groups: Opt(Type.Array(Str(128), { maxItems: 100, description: 'assign the policy to these groups ("*" = base policy for every device)' })),
  },
  { additionalProperties: false },
);

export const PolicyUploadReplySchema = Type.Object({ policyId: Type.String(), version: Type.Integer(), assignedTo: Type.Array(Type.String()) });

export const PolicySummarySchema = Type.Object({
  policyId: Type.String(),
  name: Type.String(),
  currentVersion: Type.Integer(),
  latestVersion: Type.Integer(),
  updatedAt: Type.String(),
  groups: Type.Array(Type.String()),
});

export const PolicyVersionSchema = Type.Object({
  version: Type.Integer(),
  createdAt: Type.String(),
  createdBy: Type.String(),
  current: Type.Boolean(),
  yaml: Opt(Type.String()),
});

export const RollbackBodySchema = Type.Object({ version: Opt(Type.Integer({ minimum: 1, maximum: 2_147_483_647 })) }, { additionalProperties: false });

export const AssignmentBodySchema = Type.Object({ policyId: Str(63) }, { additionalProperties: false });
export const GroupParam = Type.Object({ group: Str(128) });
export const AssignmentSchema = Type.Object({ group: Type.String(), policyId: Type.String(), assignedAt: Type.String(), assignedBy: Type.String() });

export const ComplianceSchema = Type.Union([
  Type.Literal('compliant'), Type.Literal('tool-installed'), Type.Literal('unhealthy'), Type.Literal('outdated-policy'),
  Type.Literal('silent'), Type.Literal('never-seen'), Type.Literal('revoked'),
]);

export const DeviceQuerySchema = Type.Object(
  {
    group: Opt(Str(128)),
    compliance: Opt(ComplianceSchema),
    hostname: Opt(Type.String({ maxLength: 255, description: 'substring, case-insensitive' })),
    policyId: Opt(Str(63)),
    user: Opt(Type.String({ minLength: 1, maxLength: 256, description: 'the device\'s user, exactly' })),
    tool: Opt(Type.String({ minLength: 1, maxLength: 128, description: 'a catalogued tool id the device has installed' })),
    limit: Opt(Limit),
    cursor: Opt(Cursor),
  },
  { additionalProperties: false },
);

export const DeviceSchema = Type.Object({
  id: Type.String(),
  hostname: Type.String(),
  os: Type.String(),
  arch: Type.String(),
  user: Type.String(),
  agentVersion: Type.String(),
  groups: Type.Array(Type.String()),
  tags: Type.Array(Type.String()),
  enrolledAt: Type.String(),
  lastSeenAt: Type.Union([Type.String(), Type.Null()]),
  compliance: ComplianceSchema,
  mode: Type.Union([Type.String(), Type.Null()]),
  policy: Type.Object({
    id: Type.Union([Type.String(), Type.Null()]),
    serialInForce: Type.Union([Type.Integer(), Type.Null()]),
    serialIssued: Type.Integer(),
  }),
  installed: Type.Array(Type.Object({ toolId: Type.String(), name: Type.String(), path: Type.String(), state: Type.String() })),
  healthProblems: Type.Array(Type.String()),
  revoked: Type.Boolean(),
});
export const DeviceListSchema = Type.Object({ devices: Type.Array(DeviceSchema), nextCursor: Type.Union([Type.String(), Type.Null()]) });
export const DeviceIdParam = Type.Object({ id: Str(128) });

export const GroupName = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$', description: 'a group name (letters, digits, . _ -)' });
export const DeviceGroupsBodySchema = Type.Object({ groups: Type.Array(GroupName, { maxItems: 64, uniqueItems: true }) }, { additionalProperties: false });

export const EventQuerySchema = Type.Object(
  {
    device: Opt(Str(128)),
    tool: Opt(Str(128)),
    type: Opt(Str(64)),
    user: Opt(Str(256)),
    since: Opt(DateTime),
    until: Opt(DateTime),
    limit: Opt(Limit),
    cursor: Opt(Type.String({ pattern: '^[0-9]{1,18}$', description: 'nextCursor of the previous page' })),
  },
  { additionalProperties: false },
);
export const StoredEventSchema = Type.Object({
  seq: Type.String(),
  id: Type.String(),
  deviceId: Type.String(),
  type: Type.String(),
  toolId: Type.Union([Type.String(), Type.Null()]),
  at: Type.String(),
  receivedAt: Type.String(),
  event: Type.Record(Type.String(), Type.Unknown()),
});
export const EventListSchema = Type.Object({ events: Type.Array(StoredEventSchema), nextCursor: Type.Union([Type.String(), Type.Null()]) });

export const ExceptionStatusSchema = Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('denied'), Type.Literal('expired')]);
export const ExceptionQuerySchema = Type.Object(
  { status: Opt(ExceptionStatusSchema), device: Opt(Str(128)), limit: Opt(Limit), cursor: Opt(Cursor) },
  { additionalProperties: false },
);
export const AdminExceptionSchema = Type.Object({
  id: Type.String(),
  deviceId: Type.String(),
  hostname: Type.Union([Type.String(), Type.Null()]),
  toolId: Type.String(),
  user: Type.String(),
  reason: Type.String(),
  days: Type.Integer(),
  requestedAt: Type.String(),
  status: ExceptionStatusSchema,
  decidedAt: Opt(Type.String()),
  decidedBy: Opt(Type.String()),
  expires: Opt(Type.String()),
  note: Opt(Type.String()),
});
export const AdminExceptionListSchema = Type.Object({ requests: Type.Array(AdminExceptionSchema), nextCursor: Type.Union([Type.String(), Type.Null()]) });
export const ApproveBodySchema = Type.Object(
  {
    days: Opt(Type.Integer({ minimum: 1, maximum: 365, description: 'defaults to the days requested' })),
    expires: Opt(DateTime),
    note: Opt(Str(2000)),
  },
  { additionalProperties: false },
);
export const DenyBodySchema = Type.Object({ note: Opt(Str(2000)) }, { additionalProperties: false });

export const AuditQuerySchema = Type.Object({ action: Opt(Str(64)), limit: Opt(Limit), cursor: Opt(Type.String({ pattern: '^[0-9]{1,18}$', description: 'nextCursor of the previous page' })) }, { additionalProperties: false });
export const AuditEntrySchema = Type.Object({
  seq: Type.String(),
  at: Type.String(),
  actor: Type.String(),
  action: Type.String(),
  target: Type.String(),
  detail: Type.Record(Type.String(), Type.Unknown()),
});
export const AuditListSchema = Type.Object({ entries: Type.Array(AuditEntrySchema), nextCursor: Type.Union([Type.String(), Type.Null()]) });

export const TokenBodySchema = Type.Object(
  { name: Str(128), role: Type.Union([Type.Literal('admin'), Type.Literal('viewer')]) },
  { additionalProperties: false },
);
export const TokenSchema = Type.Object({ id: Type.String(), name: Type.String(), role: Type.String(), createdAt: Type.String(), revoked: Type.Boolean() });
export const IdParam = Type.Object({ id: Str(128) });

export const CatalogImportBodySchema = Type.Object(
  { release: Type.String({ minLength: 1, maxLength: 1024 * 1024, description: 'a catalog release file (JSON or YAML), as `npm run catalog:release` writes it' }) },
  { additionalProperties: false },
);

export const CatalogImportReplySchema = Type.Object({
  version: Type.String(),
  previousVersion: Type.String(),
  tools: Type.Integer(),
  added: Type.Array(Type.String()),
  removed: Type.Array(Type.String()),
  changed: Type.Array(Type.String()),
});

export const CatalogSummarySchema = Type.Object({
  version: Type.String(),
  source: Type.Union([Type.Literal('built-in'), Type.Literal('imported')]),
  builtInVersion: Type.String(),
  tools: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), vendor: Type.String() })),
  releases: Type.Array(
    Type.Object({ version: Type.String(), tools: Type.Integer(), digest: Type.String(), importedAt: Type.String(), importedBy: Type.String(), inForce: Type.Boolean() }),
  ),
});

export const SignInBodySchema = Type.Object({ token: Type.String({ minLength: 1, maxLength: 512, description: 'an admin or viewer token' }) }, { additionalProperties: false });
export const SessionSchema = Type.Object({
  name: Type.String(),
  role: Type.Union([Type.Literal('admin'), Type.Literal('viewer')]),
  csrfToken: Type.String({ description: 'send as x-cordon-csrf on every request that changes something' }),
  expiresAt: Type.String(),
});

export const OverviewSchema = Type.Object({
  devices: Type.Integer(),
  compliance: Type.Object({
    compliant: Type.Integer(), 'tool-installed': Type.Integer(), unhealthy: Type.Integer(), 'outdated-policy': Type.Integer(),
    silent: Type.Integer(), 'never-seen': Type.Integer(), revoked: Type.Integer(),
  }),
  pendingExceptions: Type.Integer(),
});
export const BlocksQuerySchema = Type.Object({ days: Opt(Type.Integer({ minimum: 1, maximum: 366, default: 30 })) }, { additionalProperties: false });
export const BlocksSeriesSchema = Type.Object({
  days: Type.Array(Type.String({ description: 'UTC dates, oldest first' })),
  tools: Type.Array(Type.Object({ toolId: Type.String(), counts: Type.Array(Type.Integer({ description: 'blocks on each of days' })), total: Type.Integer() })),
});
export const PolicyValidateBodySchema = Type.Object({ yaml: Type.String({ maxLength: 512 * 1024 }) }, { additionalProperties: false });
export const ProblemSchema = Type.Object({ path: Type.String(), message: Type.String(), line: Type.Optional(Type.Integer()), column: Type.Optional(Type.Integer()) });
export const PolicyValidateReplySchema = Type.Object({
  valid: Type.Boolean(),
  policyId: Type.Union([Type.String(), Type.Null()]),
  problems: Type.Array(ProblemSchema),
});
export const PolicyDiffReplySchema = Type.Object({
  policyId: Type.String(),
  inForceVersion: Type.Union([Type.Integer(), Type.Null()]),
  lines: Type.Array(Type.Object({ op: Type.Union([Type.Literal(' '), Type.Literal('+'), Type.Literal('-')]), text: Type.String() })),
  changed: Type.Boolean(),
});
export const PolicyDiffBodySchema = Type.Object({ yaml: Type.String({ maxLength: 512 * 1024 }), policyId: Opt(Str(63)) }, { additionalProperties: false });
