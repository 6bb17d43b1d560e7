// npm run bench:server — the server under load from this (separate) process over loopback, with autocannon:
// policy checks/s on the 304 path and events/s ingested in batches of 500, with p99 latency,
// for the embedded store (PGlite) and a real PostgreSQL, side by side.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { CORDON_BIN } from '../support/cli.ts';
import { postgresSkipReason, startPostgresCluster, type PostgresCluster } from '../support/postgres-cluster.ts';
import { deviceFacts, http } from '../support/server-instance.ts';

const DURATION = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const BATCH = 500;
// Agents send a batch and wait for its answer; a few concurrent uploads keep the server busy without queueing.
const EVENT_CONNECTIONS = Number(process.env.BENCH_EVENT_CONNECTIONS ?? 4);
const DEVICES = 50;

interface Result {
  policy304PerSec: number;
  policyP99: number;
  eventsPerSec: number;
  eventsP99: number;
  stored: number;
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

function batch(): string {
  const at = new Date().toISOString();
  const events = Array.from({ length: BATCH }, (_, i) => ({ id: randomUUID(), type: i % 10 ? 'would-block' : 'block', at, toolId: 'claude-code', pid: 1000 + i, user: 'alice', exe: '/usr/local/bin/claude', argv: ['claude', '--print', 'hello'] }));
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
    const events = await run({
      url,
      connections: EVENT_CONNECTIONS,
      requests: [
        {
          method: 'POST',
          path: '/v1/events',
          setupRequest: (req) => ({ ...req, headers: { authorization: `Bearer ${devices[n++ % devices.length]!.token}`, 'content-type': 'application/json' }, body: batch() }),
        },
      ],
    });
    if (events.non2xx) throw new Error(`events bench: ${events.non2xx} requests failed`);
    const adminToken = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
    const stored = (await http<{ events: unknown[] }>(url, 'GET', '/admin/v1/events?limit=1', { token: adminToken })).status === 200 ? events['2xx'] * BATCH : 0;
    return {
      policy304PerSec: policy.requests.average,
      policyP99: policy.latency.p99,
      eventsPerSec: events.requests.average * BATCH,
      eventsP99: events.latency.p99,
      stored,
    };
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const results: Record<string, Result> = {};
process.stdout.write(`cordon server bench: ${DURATION}s per run, ${CONNECTIONS} connections (${EVENT_CONNECTIONS} for events), batches of ${BATCH} events, ${DEVICES} devices\n`);
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
  ['events/s (batches of 500)', (r) => fmt(r.eventsPerSec), (r) => r.eventsPerSec],
  ['events p99 latency ms', (r) => String(r.eventsP99), (r) => r.eventsP99],
];
const width = 28;
process.stdout.write(`\n${'metric'.padEnd(width)}${names.map((n) => n.padStart(14)).join('')}${names.length === 2 ? '   PostgreSQL/PGlite' : ''}\n`);
for (const [label, show, value] of rows) {
  const ratio = names.length === 2 ? `   ${(value(results.PostgreSQL!) / value(results.PGlite!)).toFixed(2)}×` : '';
  process.stdout.write(`${label.padEnd(width)}${names.map((n) => show(results[n]!).padStart(14)).join('')}${ratio}\n`);
}
process.stdout.write(`\ntargets (issue #4): ≥ 5,000 policy checks/s and ≥ 20,000 events/s into PostgreSQL with p99 < 50 ms\n`);
