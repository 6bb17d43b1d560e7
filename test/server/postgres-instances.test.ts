// Several server instances on one PostgreSQL, as behind a load balancer: concurrent first start (migrations and
// the first admin token happen once) and the same events ingested through two instances at once (stored once).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPublicKey, verifyBundle } from '../../policy/index.ts';
import { DATA_FILES } from '../../server/data-dir.ts';
import { MIGRATIONS } from '../../server/database/migrations.ts';
import { startServer, type RunningServer } from '../../server/start-server.ts';
import { postgresSkipReason, startPostgresCluster, type PostgresCluster } from '../support/postgres-cluster.ts';
import { deviceFacts, http, startTestServer, type TestServer } from '../support/server-instance.ts';
import { event } from './api-suite.ts';

const skip = postgresSkipReason();

describe('several instances on one PostgreSQL', { skip }, () => {
  let cluster: PostgresCluster;
  const servers: TestServer[] = [];
  const running: RunningServer[] = [];
  const shared = mkdtempSync(join(tmpdir(), 'cordon-shared-'));

  before(async () => {
    cluster = await startPostgresCluster();
  });
  after(async () => {
    await Promise.all([...servers.map((s) => s.stop()), ...running.map((s) => s.close())]);
    cluster?.stop();
    rmSync(shared, { recursive: true, force: true });
  });

  test('three instances starting at once on an empty database migrate it once and make one first admin token', async () => {
    const url = await cluster.createDatabase('cordon_three');
    const dirs = [0, 1, 2].map(() => mkdtempSync(join(shared, 'i-')));
    const started = await Promise.all(dirs.map((dataDir) => startServer({ databaseUrl: url, dataDir, port: 0, host: '127.0.0.1' })));
    running.push(...started);
    // Exactly one instance found the token table empty and wrote the first admin token to its data dir.
    assert.equal(started.filter((s) => s.firstAdminToken).length, 1);
    assert.equal(dirs.filter((d) => existsSync(join(d, DATA_FILES.adminToken))).length, 1);
    for (const s of started) assert.equal((await http(s.url, 'GET', '/healthz')).status, 200);
    const db = started[0]!.db;
    assert.deepEqual((await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).map((r) => r.version), MIGRATIONS.map((m) => m.version));
    assert.equal((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM admin_tokens'))[0]!.n, 1);
    assert.equal((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM server_state'))[0]!.n, 1);
  });

  test('two instances sharing a data dir ingest the same events at once: each stored once, both acknowledge all', async () => {
    const url = await cluster.createDatabase('cordon_two');
    const dataDir = mkdtempSync(join(shared, 'pair-'));
    const a = await startTestServer({ databaseUrl: url, dataDir });
    servers.push(a);
    const b = await startTestServer({ databaseUrl: url, dataDir });
    servers.push(b);
    const enrolled = await http<{ deviceId: string; token: string }>(a.url, 'POST', '/v1/enrol', { body: { secret: a.enrolSecret, device: deviceFacts() } });
    const { token, deviceId } = enrolled.body;
    const batches = Array.from({ length: 4 }, () => Array.from({ length: 250 }, () => event('would-block')));
    for (const events of batches) {
      const replies = await Promise.all([a, b, a, b].map((s) => http<{ durable: string[] }>(s.url, 'POST', '/v1/events', { token, body: { events } })));
      for (const r of replies) {
        assert.equal(r.status, 200, r.text);
        assert.deepEqual(new Set(r.body.durable), new Set(events.map((e) => e.id)));
      }
    }
    const [row] = await a.db.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE device_id = $1', [deviceId]);
    assert.equal(row!.n, 1000);
    // A bundle issued by one instance verifies with the key the other exports: one key for the fleet.
    const policy = await http(b.url, 'GET', '/v1/policy', { token });
    assert.equal(verifyBundle(policy.text, [loadPublicKey(a.publicKeyPem)]).device, deviceId);
    const viaA = await http(a.url, 'GET', '/v1/policy', { token, headers: { 'if-none-match': policy.headers.get('etag')! } });
    assert.equal(viaA.status, 304, 'the ETag from one instance is good at the other');
  });

  test('when PostgreSQL goes away, agents get 503 with Retry-After (retry later), not 500', async () => {
    const server = servers[servers.length - 1]!;
    cluster.stop();
    for (const path of ['/healthz', '/v1/policy']) {
      const r = await http<{ error: { code: string } }>(server.url, 'GET', path, { token: 'x' });
      assert.equal(r.status, 503, `${path}: ${r.text}`);
      assert.equal(r.body.error.code, 'unavailable');
      assert.equal(r.headers.get('retry-after'), '30');
    }
  });
});
