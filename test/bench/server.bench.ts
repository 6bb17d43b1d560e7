// npm run bench:server — the server under load from this (separate) process over loopback, with autocannon:
// policy checks/s on the 304 path and events/s ingested in batches (500 and 100 per request), with p99 latency,
// for the embedded store (PGlite) and a real PostgreSQL, side by side; and what an event row costs on disk in
// PostgreSQL with its indexes. Raw results: bench-results/server.json.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { CORDON_BIN } from '../support/cli.ts';
import { postgresSkipReason, startPostgresCluster, type PostgresCluster } from '../support/postgres-cluster.ts';
import { deviceFacts, http } from '../support/server-instance.ts';
import { BenchRecord } from './bench-record.ts';

const DURATION = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
// Agents send a batch and wait for its answer. Large batches show throughput, smaller ones the latency an agent sees.
const EVENT_RUNS = [
  { batch: 500, connections: 4 },
  { batch: 100, connections: 2 },
];
const DEVICES = 50;
const record = new BenchRecord('server', { seconds: DURATION, policyConnections: CONNECTIONS, eventRuns: EVENT_RUNS, devices: DEVICES });

interface Result {
  policy304PerSec: number;
  policyP99: number;
  events: { batch: number; connections: number; perSec: number; p99: number }[];
  /** PostgreSQL only: bytes of the events table with its indexes and TOAST, per row. */
  eventRow?: { rows: number; bytes: number; bytesPerRow: number };
}

async function eventRowSize(databaseUrl: string): Promise<Result['eventRow']> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('VACUUM ANALYZE events');
    const { rows } = await client.query<{ rows: string; bytes: string }>("SELECT count(*) AS rows, pg_total_relation_size('events') AS bytes FROM events");
    const n = Number(rows[0]!.rows);
    const bytes = Number(rows[0]!.bytes);
    return { rows: n, bytes, bytesPerRow: bytes / n };
  } finally {
    await client.end();
  }
}

async function startServerProcess(dataDir: string, databaseUrl?: string): Promise<{ child: ChildProcess; url: string }> {
  const args = [CORDON_BIN, 'server', '--port', '0', '--data-dir', dataDir, '--rate-limit', '0', '--log-level', 'error'];
  if (databaseUrl) args.push('--database-url', databaseUrl);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (c: Buffer) => {
      stderr += c.toString();
      const m = /listening on (http:\/\/\S+)/.exec(stderr);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${stderr}`)));
  });
  return { child, url };
}

function batch(size: number): string {
  const at = new Date().toISOString();
  const events = Array.from({ length: size }, (_, i) => ({ id: randomUUID(), type: i % 10 ? 'would-block' : 'block', at, toolId: 'claude-code', pid: 1000 + i, user: 'alice', exe: '/usr/local/bin/claude', argv: ['claude', '--print', 'hello'] }));
  return JSON.stringify({ events });
}

async function run(opts: autocannon.Options): Promise<autocannon.Result> {
  return autocannon({ duration: DURATION, connections: CONNECTIONS, ...opts });
}

async function benchOne(name: string, databaseUrl?: string): Promise<Result> {
  const dataDir = mkdtempSync(join(tmpdir(), `cordon-bench-server-${name}-`));
  const { child, url } = await startServerProcess(dataDir, databaseUrl);
  try {
    const secret = readFileSync(join(dataDir, 'enrol-secret'), 'utf8').trim();
    const devices: { token: string; etag: string }[] = [];
    for (let i = 0; i < DEVICES; i++) {
      const { body } = await http<{ token: string }>(url, 'POST', '/v1/enrol', { body: { secret, device: deviceFacts({ hostname: `bench-${i}` }) } });
      const p = await http(url, 'GET', '/v1/policy', { token: body.token });
      devices.push({ token: body.token, etag: p.headers.get('etag')! });
    }
    // Policy checks: devices in turn, each with its current ETag, so every answer is a 304.
    let n = 0;
    const policy = await run({
      url,
      requests: [
        {
          method: 'GET',
          path: '/v1/policy',
          setupRequest: (req) => {
            const d = devices[n++ % devices.length]!;
            return { ...req, headers: { authorization: `Bearer ${d.token}`, 'if-none-match': d.etag } };
          },
        },
      ],
    });
    if (policy.non2xx !== policy['3xx']) throw new Error(`policy bench: ${policy.non2xx - policy['3xx']} answers were not 304`);
    // Events: fresh ids every request (re-sent ids would be cheaper and flatter the numbers).
    const events = [];
    for (const { batch: size, connections } of EVENT_RUNS) {
      const r = await run({
        url,
        connections,
        requests: [
          {
            method: 'POST',
            path: '/v1/events',
            setupRequest: (req) => ({ ...req, headers: { authorization: `Bearer ${devices[n++ % devices.length]!.token}`, 'content-type': 'application/json' }, body: batch(size) }),
          },
        ],
      });
      if (r.non2xx || r.errors) throw new Error(`events bench: ${r.non2xx} requests failed, ${r.errors} errors`);
      events.push({ batch: size, connections, perSec: r.requests.average * size, p99: r.latency.p99 });
    }
    return { policy304PerSec: policy.requests.average, policyP99: policy.latency.p99, events, ...(databaseUrl ? { eventRow: await eventRowSize(databaseUrl) } : {}) };
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const results: Record<string, Result> = {};
process.stdout.write(`cordon server bench: ${DURATION}s per run, ${CONNECTIONS} connections for policy checks, ${DEVICES} devices\n`);
results.PGlite = await benchOne('pglite');
process.stdout.write(`  PGlite done\n`);
const skip = postgresSkipReason();
let cluster: PostgresCluster | undefined;
if (skip) process.stdout.write(`  PostgreSQL skipped: ${skip}\n`);
else {
  cluster = await startPostgresCluster();
  try {
    results.PostgreSQL = await benchOne('postgres', await cluster.createDatabase('cordon_bench'));
  } finally {
    cluster.stop();
  }
}
const names = Object.keys(results);
const rows: [string, (r: Result) => string, (r: Result) => number][] = [
  ['policy checks/s (304)', (r) => fmt(r.policy304PerSec), (r) => r.policy304PerSec],
  ['policy p99 latency ms', (r) => String(r.policyP99), (r) => r.policyP99],
  ...EVENT_RUNS.flatMap(({ batch: size, connections }, i): [string, (r: Result) => string, (r: Result) => number][] => [
    [`events/s (${size}/batch, ${connections} conn)`, (r) => fmt(r.events[i]!.perSec), (r) => r.events[i]!.perSec],
    [`  p99 latency ms`, (r) => String(r.events[i]!.p99), (r) => r.events[i]!.p99],
  ]),
];
const width = 34;
process.stdout.write(`\n${'metric'.padEnd(width)}${names.map((n) => n.padStart(14)).join('')}${names.length === 2 ? '   PostgreSQL/PGlite' : ''}\n`);
for (const [label, show, value] of rows) {
  const ratio = names.length === 2 ? `   ${(value(results.PostgreSQL!) / value(results.PGlite!)).toFixed(2)}×` : '';
  process.stdout.write(`${label.padEnd(width)}${names.map((n) => show(results[n]!).padStart(14)).join('')}${ratio}\n`);
}
const row = results.PostgreSQL?.eventRow;
if (row) process.stdout.write(`\nPostgreSQL events table with its indexes: ${(row.bytes / 1e6).toFixed(1)} MB for ${fmt(row.rows)} rows = ${fmt(row.bytesPerRow)} bytes per event row\n`);
record.write({ stores: results, ...(skip ? { postgresSkipped: skip } : {}) });
process.stdout.write(`\ntargets (issue #4): ≥ 5,000 policy checks/s and ≥ 20,000 events/s into PostgreSQL with p99 < 50 ms\n`);
