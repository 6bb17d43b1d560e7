// The schema, as ordered migrations. The same SQL runs on PGlite and PostgreSQL; never edit a shipped one, add the next.

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
CREATE TABLE server_state (
  id integer PRIMARY KEY CHECK (id = 1),
  -- bumped by every change that can alter some device's effective policy (push, rollback, assignment, exception)
  generation bigint NOT NULL
);
INSERT INTO server_state (id, generation) VALUES (1, 1);

CREATE TABLE policy_versions (
  policy_id text NOT NULL,
  version integer NOT NULL,
  yaml text NOT NULL,
  document jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text NOT NULL,
  PRIMARY KEY (policy_id, version)
);

-- Which version of each policy is in force: a push moves it forward, a rollback moves it back.
CREATE TABLE policy_heads (
  policy_id text PRIMARY KEY,
  current_version integer NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- group_name '*' is the base policy every device gets; other groups add their policy's rules in front of it.
CREATE TABLE policy_assignments (
  group_name text PRIMARY KEY,
  policy_id text NOT NULL REFERENCES policy_heads (policy_id),
  assigned_at timestamptz NOT NULL DEFAULT now(),
  assigned_by text NOT NULL
);

CREATE TABLE devices (
  id text PRIMARY KEY,
  token_hash text NOT NULL UNIQUE,
  revoked_at timestamptz,
  hostname text NOT NULL,
  os text NOT NULL,
  arch text NOT NULL,
  os_user text NOT NULL,
  agent_version text NOT NULL,
  groups text[] NOT NULL,
  tags text[] NOT NULL,
  enrolled_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz,
  -- last heartbeat
  mode text,
  reported_policy_id text,
  reported_serial integer,
  reported_digest text,
  queue jsonb,
  health jsonb,
  installed jsonb NOT NULL DEFAULT '[]',
  -- the signed bundle last issued to this device; bundle_generation says which server_state.generation it reflects
  bundle text,
  bundle_etag text,
  bundle_digest text,
  bundle_serial integer NOT NULL DEFAULT 0,
  bundle_generation bigint NOT NULL DEFAULT 0
);
CREATE INDEX devices_groups ON devices USING gin (groups);
CREATE INDEX devices_last_seen ON devices (last_seen_at);

CREATE TABLE events (
  seq bigserial NOT NULL,
  id text PRIMARY KEY,
  device_id text NOT NULL,
  type text NOT NULL,
  tool_id text,
  at timestamptz NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  body jsonb NOT NULL
);
CREATE INDEX events_seq ON events (seq);
CREATE INDEX events_device ON events (device_id, seq);
CREATE INDEX events_tool ON events (tool_id, seq);
CREATE INDEX events_type ON events (type, seq);
CREATE INDEX events_received ON events (received_at);

CREATE TABLE exception_requests (
  id text PRIMARY KEY,
  device_id text NOT NULL,
  tool_id text NOT NULL,
  os_user text NOT NULL,
  reason text NOT NULL,
  days integer NOT NULL,
  requested_at timestamptz NOT NULL DEFAULT now(),
  status text NOT NULL DEFAULT 'pending',
  decided_at timestamptz,
  decided_by text,
  expires timestamptz,
  note text
);
CREATE INDEX exception_requests_device ON exception_requests (device_id);
CREATE INDEX exception_requests_status ON exception_requests (status, requested_at);

CREATE TABLE admin_tokens (
  id text PRIMARY KEY,
  name text NOT NULL,
  role text NOT NULL CHECK (role IN ('admin', 'viewer')),
  token_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);

CREATE TABLE audit_log (
  seq bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  actor text NOT NULL,
  action text NOT NULL,
  target text NOT NULL,
  detail jsonb NOT NULL DEFAULT '{}'
);
`,
  },
  {
    version: 2,
    name: 'enrolment secrets',
    sql: `
-- Enrolment secrets IT makes per device or per batch: stored as SHA-256 only, with the groups a device enrolled
-- with it gets, how many enrolments it has left (NULL = no limit) and when it stops working.
CREATE TABLE enrolment_secrets (
  id text PRIMARY KEY,
  secret_hash text NOT NULL UNIQUE,
  groups text[] NOT NULL,
  uses_left integer CHECK (uses_left IS NULL OR uses_left >= 0),
  expires_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text NOT NULL,
  revoked_at timestamptz
);
`,
  },
  {
    version: 3,
    name: 'catalog releases',
    sql: `
-- AI-CLI catalog releases IT imported (cordon admin catalog import): the newest of these and the catalog built
-- into the server is the one policies are validated and compiled with. Kept, never updated: the history.
CREATE TABLE catalog_releases (
  version text PRIMARY KEY,
  release jsonb NOT NULL,
  digest text NOT NULL,
  tools integer NOT NULL,
  imported_at timestamptz NOT NULL DEFAULT now(),
  imported_by text NOT NULL
);
`,
  },
  {
    version: 4,
    name: 'admin console: sessions, daily event counts',
    sql: `
-- Console sign-in sessions. The cookie holds a random id; only its SHA-256 is stored. provider/subject say who
-- signed in ('token' + the admin token's id today; an OIDC provider + its subject later) and role is what the
-- sign-in granted. A session made from a token dies with it (token_id joins admin_tokens.revoked_at).
CREATE TABLE admin_sessions (
  id_hash text PRIMARY KEY,
  provider text NOT NULL,
  subject text NOT NULL,
  name text NOT NULL,
  role text NOT NULL CHECK (role IN ('admin', 'viewer')),
  token_id text REFERENCES admin_tokens (id),
  csrf_token text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX admin_sessions_expires ON admin_sessions (expires_at);

-- Events per UTC day, type and tool, kept by the events route as rows arrive: the overview's 30-day chart
-- reads ~30 × tools rows instead of scanning millions of events.
CREATE TABLE event_daily_counts (
  day date NOT NULL,
  type text NOT NULL,
  tool_id text NOT NULL DEFAULT '',
  n bigint NOT NULL,
  PRIMARY KEY (day, type, tool_id)
);
INSERT INTO event_daily_counts (day, type, tool_id, n)
  SELECT (at AT TIME ZONE 'UTC')::date, type, COALESCE(tool_id, ''), count(*) FROM events GROUP BY 1, 2, 3;

-- Compliance reads these instead of evaluating each device's JSON at every overview (100,000 devices).
ALTER TABLE devices
  ADD COLUMN has_health_problems boolean GENERATED ALWAYS AS (jsonb_array_length(COALESCE(health->'problems', '[]'::jsonb)) > 0) STORED,
  ADD COLUMN has_banned_tool boolean GENERATED ALWAYS AS (installed @> '[{"state": "not-allowed"}]'::jsonb) STORED;

-- The overview counts pending requests; the device list filters by the device's user.
CREATE INDEX exception_requests_pending ON exception_requests (id) WHERE status = 'pending';
CREATE INDEX devices_os_user ON devices (os_user);
`,
  },
];
