// Per-device enrolment secrets (`cordon admin enrolment-secret create`): shown once and stored hashed, they give
// the enrolling device IT's groups, run out after their uses, expire, can be revoked; with the shared secret
// turned off, a device IT revoked cannot enrol again, neither as itself nor as a new device.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { loadPublicKey, verifyBundle } from '../../policy/index.ts';
import { deviceFacts, http, startTestServer, type TestServer } from '../support/server-instance.ts';
import { cordon, eventually } from '../sync/e2e-support.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer({ settings: { sharedEnrolSecret: false } });
});
after(async () => {
  await server?.stop();
});

const admin = (args: string[]) => cordon(['admin', '--server', server.url, '--token', server.adminToken, ...args]);
const enrol = (secret: string, deviceId?: string) =>
  http<{ deviceId: string; token: string; error?: { code: string; message: string } }>(server.url, 'POST', '/v1/enrol', { body: { secret, device: deviceFacts(), ...(deviceId ? { deviceId } : {}) } });

test('a single-use secret with groups: enrols one device into them, then never again; a revoked device stays out', async () => {
  const made = await admin(['enrolment-secret', 'create', '--uses', '1', '--groups', 'eng,ml', '--expires', '7d']);
  assert.equal(made.status, 0, made.stderr);
  const secret = made.stdout.trim();
  assert.match(secret, /^cordon_enrol_[A-Za-z0-9_-]{43}$/);
  assert.match(made.stderr, /1 enrolment\(s\) until .*, groups eng, ml; it is shown only this once/);
  const rows = await server.db.query<Record<string, unknown>>('SELECT * FROM enrolment_secrets');
  assert.ok(!JSON.stringify(rows).includes(secret), 'only its hash is stored');

  assert.equal((await enrol(server.enrolSecret)).status, 401, 'the shared secret is turned off');
  const first = await enrol(secret);
  assert.equal(first.status, 201, first.text);
  const bundle = verifyBundle((await http(server.url, 'GET', '/v1/policy', { token: first.body.token })).text, [loadPublicKey(server.publicKeyPem)]);
  assert.deepEqual(bundle.groups, ['eng', 'ml'], 'the secret’s groups, signed into the bundle');
  const second = await enrol(secret);
  assert.equal(second.status, 401, 'used up');
  assert.equal(second.body.error?.code, 'invalid-secret');

  const revoke = await admin(['devices', 'revoke', first.body.deviceId]);
  assert.equal(revoke.status, 0, revoke.stderr);
  assert.equal((await enrol(secret, first.body.deviceId)).status, 401, 'not as itself');
  assert.equal((await enrol(secret)).status, 401, 'nor as a new device');
  const list = await admin(['enrolment-secret', 'list']);
  assert.match(list.stdout, /eng,ml\s+0\s/);
});

test('a secret stops working when it expires or IT revokes it', async () => {
  // 15 s: the admin CLI that creates it must start, print it and exit inside that time, which took over 2 s on a
  // loaded machine; the test then waits for the expiry instead of sleeping.
  const short = (await admin(['enrolment-secret', 'create', '--expires', '15s'])).stdout.trim();
  assert.equal((await enrol(short)).status, 201, 'no --uses: as many enrolments as it likes until then');
  assert.equal((await enrol(short)).status, 201);
  await eventually('the secret to expire', async () => (await enrol(short)).status === 401, 60_000);

  const made = await admin(['--json', 'enrolment-secret', 'create', '--uses', '5', '--expires', '1h']);
  const { id, secret } = JSON.parse(made.stdout) as { id: string; secret: string };
  assert.equal((await admin(['enrolment-secret', 'revoke', id])).status, 0);
  assert.equal((await enrol(secret)).status, 401);
  const refused = await admin(['enrolment-secret', 'create', '--uses', '1']);
  assert.equal(refused.status, 2, 'an expiry is required');
  assert.match(refused.stderr, /needs --expires/);
});
