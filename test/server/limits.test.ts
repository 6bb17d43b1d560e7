// Rate limits per device token (and per IP without one), and event retention.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { pruneEvents } from '../../server/event-retention.ts';
import { deviceFacts, http, startTestServer, type TestServer } from '../support/server-instance.ts';
import { event } from './api-suite.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer({ settings: { rateLimitPerMinute: 5 } });
});
after(async () => {
  await server?.stop();
});

test('each device token has its own budget; past it, 429 rate-limited', async () => {
  const enrol = async () => (await http<{ token: string }>(server.url, 'POST', '/v1/enrol', { body: { secret: server.enrolSecret, device: deviceFacts() } })).body.token;
  const a = await enrol();
  const b = await enrol();
  const statuses = [];
  for (let i = 0; i < 6; i++) statuses.push((await http(server.url, 'GET', '/v1/policy', { token: a })).status);
  assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429]);
  const limited = await http<{ error: { code: string; message: string } }>(server.url, 'GET', '/v1/policy', { token: a });
  assert.equal(limited.body.error.code, 'rate-limited');
  assert.match(limited.body.error.message, /more than 5 requests/);
  assert.equal((await http(server.url, 'GET', '/v1/policy', { token: b })).status, 200, 'another device is not affected');
  assert.equal((await http(server.url, 'GET', '/healthz')).status, 200);
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
