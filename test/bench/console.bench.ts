// npm run bench:console — what the admin console asks for, against a large fleet: 100,000 devices and 10 million
// events in PostgreSQL (PGlite: fewer events, printed), seeded in SQL with generate_series. Each endpoint the
// console opens with (the overview, its chart, the first page of each list and common filters) is asked
// BENCH_REQUESTS times in a row over loopback with an admin token; p50 and p99 per endpoint, per store, side by
// side. The chart's pre-aggregation is compared with the query a pre-aggregation-free server would run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Database } from '../../server/database/database.ts';
import { startTestServer } from '../support/server-instance.ts';
import { postgresSkipReason, startPostgresCluster, type PostgresCluster } from '../support/postgres-cluster.ts';

const DEVICES = Number(process.env.BENCH_DEVICES ?? 100_000);
const PG_EVENTS = Number(process.env.BENCH_PG_EVENTS ?? 10_000_000);
const PGLITE_EVENTS = Number(process.env.BENCH_PGLITE_EVENTS ?? 1_000_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 40);
const CHUNK = 1_000_000;

const ENDPOINTS: [string, string][] = [
  ['overview', '/admin/v1/overview'],
  ['blocks per day, 30 days', '/admin/v1/stats/blocks?days=30'],
  ['devices, first page', '/admin/v1/devices?limit=100'],
  ['devices, compliance=unhealthy', '/admin/v1/devices?compliance=unhealthy&limit=100'],
  ['devices, tool=claude-code', '/admin/v1/devices?tool=claude-code&limit=100'],
  ['devices, hostname search', '/admin/v1/devices?hostname=ws-09999&limit=100'],
  ['events, first page', '/admin/v1/events?limit=100'],
  ['events, tool+type', '/admin/v1/events?tool=gemini-cli&type=block&limit=100'],
  ['events, one device', '/admin/v1/events?device=dev-012345&limit=100'],
  ['exceptions, pending', '/admin/v1/exception-requests?status=pending&limit=100'],
  ['audit, first page', '/admin/v1/audit?limit=100'],
];

const RAW_BLOCKS_SQL = `SELECT (at AT TIME ZONE 'UTC')::date AS day, tool_id, count(*) FROM events
  WHERE type = 'block' AND at >= now() - interval '30 days' GROUP BY 1, 2`;

async function seed(db: Database, events: number, log: (s: string) => void): Promise<void> {
  let t = performance.now();
  await db.exec(`
INSERT INTO devices (id, token_hash, hostname, os, arch, os_user, agent_version, groups, tags, enrolled_at, last_seen_at, mode,
                     reported_policy_id, reported_serial, health, installed, bundle_serial)
SELECT 'dev-' || lpad(i::text, 6, '0'), md5('t' || i), 'ws-' || lpad(i::text, 6, '0'), 'linux', 'x64', 'user' || (i % 20000), '0.1.0',
       ARRAY[CASE WHEN i % 3 = 0 THEN 'eng' ELSE 'sales' END], '{}', now() - interval '60 days',
       CASE WHEN i % 50 = 0 THEN NULL WHEN i % 37 = 0 THEN now() - interval '3 days' ELSE now() - (i % 300) * interval '1 second' END,
       'enforce', 'cordon-default', CASE WHEN i % 23 = 0 THEN 1 ELSE 2 END,
       CASE WHEN i % 41 = 0 THEN '{"problems": ["exec guard not running"]}'::jsonb ELSE '{"problems": []}'::jsonb END,
       CASE WHEN i % 7 = 0 THEN '[{"toolId": "claude-code", "name": "Claude Code", "path": "/usr/local/bin/claude", "state": "not-allowed"}]'::jsonb ELSE '[]'::jsonb END,
       2
  FROM generate_series(1, ${DEVICES}) AS i;
INSERT INTO exception_requests (id, device_id, tool_id, os_user, reason, days, status)
SELECT 'req-' || lpad(i::text, 6, '0'), 'dev-' || lpad((i * 97 % ${DEVICES} + 1)::text, 6, '0'), 'claude-code', 'user' || i, 'pairing', 3,
       CASE WHEN i % 10 = 0 THEN 'pending' ELSE 'denied' END
  FROM generate_series(1, 5000) AS i;
INSERT INTO audit_log (actor, action, target) SELECT 'bench', 'policy.push', 'p' || i FROM generate_series(1, 10000) AS i;`);
  log(`seeded ${DEVICES} devices, 5,000 exception requests, 10,000 audit entries in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  t = performance.now();
  // Bulk load without the secondary indexes, then build them once: how a restore or a migration would do it.
  await db.exec('DROP INDEX events_seq, events_device, events_tool, events_type, events_received; ALTER TABLE events DROP CONSTRAINT events_pkey;');
  for (let from = 1; from <= events; from += CHUNK) {
    const to = Math.min(events, from + CHUNK - 1);
    await db.exec(`
INSERT INTO events (id, device_id, type, tool_id, at, received_at, body)
SELECT 'ev-' || i, 'dev-' || lpad((i % ${DEVICES} + 1)::text, 6, '0'),
       (ARRAY['block', 'would-block', 'install-found', 'policy.applied'])[i % 4 + 1],
       (ARRAY['claude-code', 'codex', 'gemini-cli', 'aider', 'copilot'])[i % 5 + 1],
       now() - (i % 2592000) * interval '1 second', now() - (i % 2592000) * interval '1 second',
       jsonb_build_object('user', 'user' || (i % 20000), 'message', 'stopped')
  FROM generate_series(${from}, ${to}) AS i`);
    log(`  events ${to.toLocaleString('en')} / ${events.toLocaleString('en')} (${((performance.now() - t) / 1000).toFixed(0)} s)`);
  }
  await db.exec(`ALTER TABLE events ADD PRIMARY KEY (id);
CREATE INDEX events_seq ON events (seq); CREATE INDEX events_device ON events (device_id, seq); CREATE INDEX events_tool ON events (tool_id, seq);
CREATE INDEX events_type ON events (type, seq); CREATE INDEX events_received ON events (received_at);
INSERT INTO event_daily_counts (day, type, tool_id, n) SELECT (at AT TIME ZONE 'UTC')::date, type, COALESCE(tool_id, ''), count(*) FROM events GROUP BY 1, 2, 3;
ANALYZE;`);
  log(`seeded ${events.toLocaleString('en')} events with their indexes and daily counts in ${((performance.now() - t) / 1000).toFixed(0)} s`);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function timeIt(fn: () => Promise<void>, requests = REQUESTS): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < 3; i++) await fn();
  const ms: number[] = [];
  for (let i = 0; i < requests; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { p50: percentile(ms, 50), p99: percentile(ms, 99) };
}

async function benchStore(name: string, events: number, databaseUrl?: string): Promise<Map<string, { p50: number; p99: number }>> {
  const dataDir = mkdtempSync(join(tmpdir(), `cordon-bench-console-${name}-`));
  const server = await startTestServer({ dataDir, ...(databaseUrl ? { databaseUrl } : {}) });
  const log = (s: string) => process.stdout.write(`[${name}] ${s}\n`);
  const results = new Map<string, { p50: number; p99: number }>();
  try {
    await seed(server.db, events, log);
    for (const [label, path] of ENDPOINTS) {
      results.set(label, await timeIt(async () => {
        const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${server.adminToken}` } });
        if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
        await res.arrayBuffer();
      }));
    }
    results.set('(alternative) blocks per day from raw events', await timeIt(async () => void (await server.db.query(RAW_BLOCKS_SQL)), 5));
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return results;
}

const fmt = (n: number | undefined) => (n === undefined ? '—' : n < 10 ? n.toFixed(1) : n.toFixed(0));
const stores: { name: string; events: number; results: Map<string, { p50: number; p99: number }> }[] = [];
const only = process.env.BENCH_STORE;
if (!only || only === 'pglite') stores.push({ name: 'PGlite', events: PGLITE_EVENTS, results: await benchStore('pglite', PGLITE_EVENTS) });
const pgSkip = postgresSkipReason();
let cluster: PostgresCluster | undefined;
if ((!only || only === 'postgres') && !pgSkip) {
  cluster = await startPostgresCluster();
  try {
    stores.push({ name: 'PostgreSQL', events: PG_EVENTS, results: await benchStore('postgres', PG_EVENTS, await cluster.createDatabase('cordon_console_bench')) });
  } finally {
    cluster.stop();
  }
} else if (pgSkip) process.stdout.write(`PostgreSQL skipped: ${pgSkip}\n`);

const labels = [...ENDPOINTS.map(([l]) => l), '(alternative) blocks per day from raw events'];
process.stdout.write(`\n${DEVICES.toLocaleString('en')} devices; ${stores.map((s) => `${s.name} ${s.events.toLocaleString('en')} events`).join(', ')}; ${REQUESTS} sequential requests each (the alternative: 5), ms\n\n`);
process.stdout.write(`| endpoint | ${stores.map((s) => `${s.name} p50 / p99`).join(' | ')} |\n|---|${stores.map(() => '---').join('|')}|\n`);
for (const l of labels) process.stdout.write(`| ${l} | ${stores.map((s) => `${fmt(s.results.get(l)?.p50)} / ${fmt(s.results.get(l)?.p99)}`).join(' | ')} |\n`);
for (const s of stores) {
  const pre = s.results.get('blocks per day, 30 days')!;
  const raw = s.results.get('(alternative) blocks per day from raw events')!;
  process.stdout.write(`${s.name}: the chart from daily counts answers ${(raw.p50 / pre.p50).toFixed(0)}× faster (p50) than counting raw events\n`);
}
