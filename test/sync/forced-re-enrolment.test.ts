// A compromised proxy between agent and server cannot roll policy back by forcing a re-enrolment: the real
// server, a real agent process and the fault proxy. The proxy answers 401 invalid-token, then hands out a
// foreign device id on enrolment and serves an older bundle the server really signed for that device; then it
// replays the agent's own older bundle after a genuine re-enrolment. Both are refused; the newest policy stays.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { statusApiRequest } from '../../agent/status-client.ts';
import type { SyncAnswerBody } from '../../agent/sync/status-answers.ts';
import { deviceFacts, http } from '../support/server-instance.ts';
import { SyncHarnessProcess, syncHarnessBundle, eventually, managedConfig, RealServer } from './e2e-support.ts';
import { FaultProxy } from './fault-proxy.ts';

let server: RealServer;
let proxy: FaultProxy;
before(async () => {
  [server] = await Promise.all([RealServer.start(), syncHarnessBundle()]);
  proxy = await new FaultProxy(server.url).start();
});
after(async () => {
  await SyncHarnessProcess.killAll();
  await proxy?.stop();
  await server?.close();
});

const sync = async (agent: SyncHarnessProcess) => (await statusApiRequest<SyncAnswerBody>(agent.socket, 'POST', '/v1/sync')).body;
const setGroups = (id: string, groups: string[]) => http(server.url, 'PUT', `/admin/v1/devices/${id}/groups`, { token: server.adminToken, body: { groups } });

test('after a forced re-enrolment, a foreign device id and an older bundle are refused; the serial floor holds', async () => {
  // Another device of the fleet, and the bundle the server signed for it (serial 1): what the proxy replays.
  const foreign = await http<{ deviceId: string; token: string }>(server.url, 'POST', '/v1/enrol', { body: { secret: server.enrolSecret, device: deviceFacts({ hostname: 'other' }) } });
  const foreignBundle = (await http(server.url, 'GET', '/v1/policy', { token: foreign.body.token })).text;

  const agent = await SyncHarnessProcess.start(managedConfig(proxy.url, server));
  const first = await sync(agent);
  assert.equal(first.ok, true, first.errors.join('; '));
  const deviceId = first.enrolment.deviceId!;
  const ownFirstBundle = proxy.lastPolicyBody!;
  // IT changes this device's groups twice: serial 3 in force.
  for (const groups of [['a'], ['b']]) {
    assert.equal((await setGroups(deviceId, groups)).status, 200);
    assert.equal((await sync(agent)).ok, true);
  }
  const serial = (await agent.status()).policy.serial!;
  assert.equal(serial, 3);

  // The proxy: the device's token "is refused", enrolment "gives" the foreign id, and the policy for that id is
  // the foreign device's real, older bundle.
  proxy.fault = {
    mode: 'answer',
    answer: (method, path, authorization) => {
      if (method === 'POST' && path === '/v1/enrol') return { status: 201, body: JSON.stringify({ deviceId: foreign.body.deviceId, token: 'forged-token' }) };
      if (authorization === 'Bearer forged-token' && path === '/v1/policy') return { status: 200, body: foreignBundle, headers: { etag: '"forged"' } };
      return { status: 401, body: JSON.stringify({ error: { code: 'invalid-token', message: 'device token is unknown or revoked; enrol again' } }) };
    },
  };
  const forced = await sync(agent);
  assert.equal(forced.ok, false);
  assert.match(forced.enrolment.error ?? '', new RegExp(`asked to enrol again as device ${deviceId}, the answer was device ${foreign.body.deviceId}: refused`));
  assert.equal(forced.policy.serial, serial, 'the newest policy stays in force');
  assert.equal(forced.policy.source, 'server');

  // The proxy lets enrolment through: the agent enrols again as itself, and the server's series goes on.
  proxy.fault = { mode: 'pass' };
  const healed = await eventually('the agent to enrol again as itself', async () => {
    const r = await sync(agent);
    return r.ok ? r : undefined;
  });
  assert.equal(healed.enrolment.deviceId, deviceId);
  assert.equal(healed.policy.serial, serial);
  assert.equal((await setGroups(deviceId, ['c'])).status, 200);
  assert.equal((await sync(agent)).policy.serial, serial + 1, 'newer bundles are still accepted');

  // Its own older bundle, replayed: refused as a rollback, after the re-enrolment as before it.
  proxy.only = /^\/v1\/policy/;
  proxy.fault = { mode: 'policy', body: ownFirstBundle };
  const replay = await sync(agent);
  assert.equal(replay.policyResult.result, 'rejected');
  assert.equal(replay.policyResult.reason, 'rollback');
  assert.equal(replay.policy.serial, serial + 1);
  proxy.only = undefined;
  proxy.fault = { mode: 'pass' };
  await agent.stop();
});

test('a device IT revoked cannot enrol again as itself; it keeps its last good policy and says why', async () => {
  const agent = await SyncHarnessProcess.start(managedConfig(server.url, server));
  const first = await sync(agent);
  assert.equal(first.ok, true, first.errors.join('; '));
  const devices = (await server.devices()).length;
  await server.revoke(first.enrolment.deviceId!);
  const refused = await sync(agent);
  assert.equal(refused.ok, false);
  assert.match(refused.enrolment.error ?? '', /IT revoked this device on the server, so it cannot enrol again/);
  assert.equal(refused.policy.serial, first.policy.serial);
  assert.equal((await server.devices()).length, devices, 'no new device took its place');
  await agent.stop();
});
