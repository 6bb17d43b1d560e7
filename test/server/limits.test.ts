// Rate limits per device token (and per IP without one), and event retention.
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { pruneEvents } from '../../server/event-retention.ts';
import { deviceFacts, http, startTestServer, type TestServer } from '../support/server-instance.ts';
import { event } from './api-suite.ts';

let server: TestServer;
before(async () => {
  // 6: room on this address for the two tests' enrolments and first requests.
  server = await startTestServer({ settings: { rateLimitPerMinute: 6 } });
});
after(async () => {
  await server?.stop();
});

test('each device token has its own budget; past it, 429 rate-limited', async () => {
  const enrol = async () => (await http<{ token: string }>(server.url, 'POST', '/v1/enrol', { body: { secret: server.enrolSecret, device: deviceFacts() } })).body.token;
  const a = await enrol();
  const b = await enrol();
  // A token's first request counts against its address (it is not known to be real yet); then it has its own.
  for (const token of [a, b]) assert.equal((await http(server.url, 'GET', '/v1/policy', { token })).status, 200);
  const statuses = [];
  for (let i = 0; i < 7; i++) statuses.push((await http(server.url, 'GET', '/v1/policy', { token: a })).status);
  assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200, 429]);
  const limited = await http<{ error: { code: string; message: string } }>(server.url, 'GET', '/v1/policy', { token: a });
  assert.equal(limited.body.error.code, 'rate-limited');
  assert.match(limited.body.error.message, /more than 6 requests/);
  assert.equal((await http(server.url, 'GET', '/v1/policy', { token: b })).status, 200, 'another device is not affected');
  assert.equal((await http(server.url, 'GET', '/healthz')).status, 200);
});

test('made-up bearer tokens share their address budget: 200 random tokens from loopback are limited like no token, and real tokens keep theirs', async () => {
  const limit = 20;
  const own = await startTestServer({ settings: { rateLimitPerMinute: limit } });
  try {
    const device = (await http<{ token: string }>(own.url, 'POST', '/v1/enrol', { body: { secret: own.enrolSecret, device: deviceFacts() } })).body.token;
    assert.equal((await http(own.url, 'GET', '/v1/policy', { token: device })).status, 200);
    assert.equal((await http(own.url, 'GET', '/admin/v1/devices', { token: own.adminToken })).status, 200);
    const counts: Record<number, number> = {};
    for (let i = 0; i < 200; i++) {
      const path = i % 2 ? '/v1/policy' : '/admin/v1/devices';
      const status = (await http(own.url, 'GET', path, { token: randomBytes(32).toString('base64url') })).status;
      counts[status] = (counts[status] ?? 0) + 1;
    }
    // Two of the address's budget went on enrolment and the device's first request, one on the admin's first.
    assert.deepEqual(counts, { 401: limit - 3, 429: 200 - (limit - 3) }, JSON.stringify(counts));
    assert.equal((await http(own.url, 'POST', '/v1/enrol', { body: { secret: own.enrolSecret, device: deviceFacts() } })).status, 429, 'nor can that address enrol now');
    assert.equal((await http(own.url, 'GET', '/v1/policy', { token: device })).status, 200, 'a real device keeps its own budget');
    assert.equal((await http(own.url, 'GET', '/admin/v1/devices', { token: own.adminToken })).status, 200, 'and so does IT');
  } finally {
    await own.stop();
  }
});

test('events older than the retention period are deleted, newer ones kept', async () => {
  const token = (await http<{ token: string }>(server.url, 'POST', '/v1/enrol', { body: { secret: server.enrolSecret, device: deviceFacts() } })).body.token;
  const [old, fresh] = [event(), event()];
  assert.equal((await http(server.url, 'POST', '/v1/events', { token, body: { events: [old, fresh] } })).status, 200);
  await server.db.query("UPDATE events SET received_at = now() - interval '91 days' WHERE id = $1", [old.id]);
  assert.equal(await pruneEvents(server.db, 90), 1);
  const left = await server.db.query<{ id: string }>('SELECT id FROM events WHERE id = ANY ($1)', [[old.id, fresh.id]]);
  assert.deepEqual(left.map((r) => r.id), [fresh.id]);
});

test('a second server on the same embedded database is refused, saying why', async () => {
  await assert.rejects(startTestServer({ dataDir: server.dataDir }), /embedded database in .* is in use by process \d+; .*--database-url/);
});
