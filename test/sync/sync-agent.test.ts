import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SyncAgent, type SyncAgentOptions } from '../../agent/sync/sync-agent.ts';
import { ServerError } from '../../agent/sync/server-client.ts';
import type { ManagedConfig } from '../../agent/sync/managed-config.ts';
import type { AgentEvent, PolicyInfo } from '../../agent/status-types.ts';
import { builtInPolicy, generateSigningKey, keyIdOf, loadPrivateKey, loadPublicKey, signBundle, type CompiledPolicy } from '../../policy/index.ts';
import { ContractServer } from './contract-server.ts';
import { FaultProxy } from './fault-proxy.ts';

interface Harness {
  agent: SyncAgent;
  applied: { policy: CompiledPolicy; info: PolicyInfo }[];
  stateDir: string;
  reopen(): Promise<Harness>;
}

function configFor(server: ContractServer, url = server.url, secret = server.secret): ManagedConfig {
  const key = loadPublicKey(server.key.publicKeyPem);
  return { source: 'test', serverUrl: url, enrolSecret: secret, pinnedKeys: [key], pinnedKeyIds: [keyIdOf(key)], groups: ['eng'], tags: ['ci'], overrides: {} };
}

async function openAgent(config: ManagedConfig, stateDir = mkdtempSync(join(tmpdir(), 'cordon-sync-')), extra: Partial<SyncAgentOptions> = {}): Promise<Harness> {
  const applied: Harness['applied'] = [];
  const agent = await SyncAgent.open({
    config,
    stateDir,
    agentVersion: '0.1.0-test',
    onPolicy: (policy, info) => applied.push({ policy, info }),
    health: () => ({ mode: 'enforce', policy: { id: 'p', serial: null, digest: 'd' }, watcher: 'procfs', problems: [], installed: [] }),
    keychain: false,
    schedule: false,
    requestTimeoutMs: 800,
    backoff: { baseMs: 50, maxMs: 200 },
    ...extra,
  });
  return { agent, applied, stateDir, reopen: async () => (await agent.stop(), openAgent(config, stateDir, extra)) };
}

const event = (id: string): AgentEvent => ({ id, type: 'block', at: new Date().toISOString(), toolId: 'codex', message: 'codex stopped' });

test('enrols once, applies the signed policy, uses ETags, uploads events exactly once, and keeps it all across a restart', async () => {
  const server = await new ContractServer().start();
  try {
    const h = await openAgent(configFor(server));
    assert.equal(h.agent.info().enrolment.state, 'pending');
    h.agent.record(event('e1'));
    h.agent.record(event('e2'));
    const first = await h.agent.syncNow();
    assert.equal(first.ok, true, first.errors.join('; '));
    assert.deepEqual(first.policyResult, { result: 'updated', serial: 1 });
    assert.equal(h.applied.length, 1);
    assert.equal(h.applied[0]!.info.source, 'server');
    assert.equal(h.applied[0]!.info.serial, 1);
    assert.equal(first.enrolment.state, 'enrolled');
    assert.equal(first.enrolment.deviceId, 'dev-1');
    assert.equal(first.enrolment.tokenStorage, 'file');
    assert.equal(first.sync.state, 'ok');
    assert.ok(first.sync.lastSuccessAt);
    assert.deepEqual(first.queue, { pending: 0, dropped: 0 });
    // e1, e2 and the policy.applied event the sync recorded itself.
    assert.deepEqual([...server.events.keys()].slice(0, 2), ['e1', 'e2']);
    assert.equal(server.events.size, 3);
    assert.equal(server.enrolments[0]!.groups, undefined, 'groups are set by IT on the server, not claimed by the device');
    assert.equal(server.heartbeats.length, 1);
    assert.deepEqual(server.heartbeats[0]!.queue, { pending: 0, dropped: 0 });

    const second = await h.agent.syncNow();
    assert.deepEqual(second.policyResult, { result: 'unchanged', serial: 1 });
    server.publish('Second policy');
    const third = await h.agent.syncNow();
    assert.deepEqual(third.policyResult, { result: 'updated', serial: 2 });
    assert.equal(h.applied.at(-1)!.policy.name, 'Second policy');

    const again = await h.reopen();
    assert.equal(again.applied.length, 1, 'the stored policy is put in force at open');
    assert.equal(again.applied[0]!.info.serial, 2);
    const afterRestart = await again.agent.syncNow();
    assert.equal(afterRestart.policyResult.result, 'unchanged');
    assert.equal(server.enrolments.length, 1, 'no second enrolment');
    assert.ok([...server.posts.values()].every((n) => n === 1), 'nothing was posted twice');
    await again.agent.stop();
  } finally {
    await server.stop();
  }
});

test('a refused token re-enrols once, as the same device; a revoked device stays out; a wrong secret backs off instead of looping', async () => {
  const server = await new ContractServer().start();
  const proxy = await new FaultProxy(server.url).start();
  try {
    const h = await openAgent(configFor(server, proxy.url));
    assert.equal((await h.agent.syncNow()).ok, true);
    server.forgetToken('dev-1');
    h.agent.record(event('after-refusal'));
    const r = await h.agent.syncNow();
    assert.equal(r.ok, true, r.errors.join('; '));
    assert.equal(r.enrolment.deviceId, 'dev-1', 'enrolled again as itself');
    assert.equal(server.events.has('after-refusal'), true, 'the journal survives re-enrolment');
    assert.equal(server.enrolments.length, 2);
    server.revoke('dev-1');
    const revoked = await h.agent.syncNow();
    assert.equal(revoked.ok, false);
    assert.match(revoked.enrolment.error ?? '', /IT revoked this device on the server, so it cannot enrol again/);
    assert.equal(server.devices.length, 1, 'no new device in its place');
    await h.agent.stop();

    const wrong = await openAgent(configFor(server, proxy.url, 'not-the-secret-0000'), undefined, { backoff: { baseMs: 60_000, maxMs: 60_000 } });
    const failed = await wrong.agent.syncNow();
    assert.equal(failed.ok, false);
    assert.equal(failed.enrolment.state, 'error');
    assert.match(failed.enrolment.error ?? '', /refused the enrolment secret/);
    assert.equal(failed.sync.state, 'error');
    const before = proxy.seen.filter((s) => s === 'POST /v1/enrol').length;
    for (let i = 0; i < 5; i++) assert.match((await wrong.agent.syncNow()).errors.join(), /next attempt in \d+ s/);
    assert.equal(proxy.seen.filter((s) => s === 'POST /v1/enrol').length, before, 'no enrolment storm while backing off');
    await wrong.agent.stop();
  } finally {
    await proxy.stop();
    await server.stop();
  }
});

test('500s, hangs, garbage, a foreign key, a rollback and another device bundle: the last good policy stays, the rejection is reported once, and sync recovers', async () => {
  const server = await new ContractServer().start();
  const proxy = await new FaultProxy(server.url).start();
  try {
    const h = await openAgent(configFor(server, proxy.url));
    await h.agent.syncNow();
    server.publish('Good policy');
    assert.equal((await h.agent.syncNow()).policyResult.serial, 2);
    const attacker = generateSigningKey();
    const foreign = JSON.stringify(signBundle({ serial: 99, issuedAt: new Date().toISOString(), device: 'dev-1', policy: { ...builtInPolicy(), mode: 'monitor' } }, loadPrivateKey(attacker.privateKeyPem)));
    const cases: [FaultProxy['fault'], RegExp][] = [
      [{ mode: '500' }, /HTTP 500 internal: injected failure/],
      [{ mode: 'hang' }, /no answer within 0.8 s/],
      [{ mode: 'garbage' }, /policy rejected \(malformed\)/],
      [{ mode: 'reset' }, /policy: GET .*\/v1\/policy: the (connection was reset|server closed the connection)/],
      [{ mode: 'policy', body: foreign }, /policy rejected \(unknown-key\)/],
      [{ mode: 'policy', body: server.bundleFor('dev-1', 1) }, /policy rejected \(rollback\): .*serial 1, older than serial 2/],
      [{ mode: 'policy', body: server.bundleFor('dev-7', 5) }, /policy rejected \(other-device\)/],
    ];
    for (const [fault, expected] of cases) {
      proxy.fault = fault;
      proxy.only = /^\/v1\/policy/;
      for (let i = 0; i < 2; i++) {
        const r = await h.agent.syncNow();
        assert.equal(r.ok, false, fault.mode);
        assert.equal(r.sync.state, 'error');
        assert.match(r.sync.lastError ?? '', expected);
        assert.equal(h.applied.at(-1)!.info.serial, 2, 'the last good policy stays in force');
        assert.equal(h.agent.currentPolicy()!.content.policy.name, 'Good policy');
      }
    }
    const rejections = [...server.events.values()].filter((e) => e.type === 'policy.rejected');
    assert.deepEqual(rejections.map((e) => e.detail?.reason), ['malformed', 'unknown-key', 'rollback', 'other-device'], 'each bad bundle reported once');
    assert.ok(h.agent.info().problems.some((p) => /other-device.*last good policy stays/.test(p)));
    proxy.fault = { mode: 'pass' };
    const healed = await h.agent.syncNow();
    assert.equal(healed.ok, true, healed.errors.join('; '));
    assert.equal(healed.sync.state, 'ok');
    assert.equal(healed.problems.some((p) => /rejected/.test(p)), false, 'the rejection is no longer shown');
    await h.agent.stop();
  } finally {
    await proxy.stop();
    await server.stop();
  }
});

test('server down for the whole test, then up: every event arrives once and queued exception requests are filed', async () => {
  const server = await new ContractServer().start();
  const port = server.port;
  const h = await openAgent(configFor(server));
  await h.agent.syncNow();
  await server.stop();
  for (let i = 0; i < 1200; i++) h.agent.record(event(`offline-${i}`));
  const down = await h.agent.syncNow();
  assert.equal(down.ok, false);
  assert.match(down.errors.join(), /connection refused|closed the connection/);
  assert.equal(down.queue.pending, 1200);
  const queued = await h.agent.requestException({ toolId: 'codex', reason: 'SEC-1 evaluation', days: 7 }, 'alice');
  assert.equal(queued.status, 'queued');
  await assert.rejects(h.agent.uploadNow(), /upload: .*1200 event\(s\) kept/);

  const again = await new ContractServer().start(port);
  Object.assign(again, { key: server.key });
  again.devices.push(...server.devices);
  try {
    const up = await h.agent.syncNow();
    assert.equal(up.ok, true, up.errors.join('; '));
    assert.equal(up.uploaded, 1200);
    assert.equal(up.queue.pending, 0);
    for (let i = 0; i < 1200; i++) assert.equal(again.posts.get(`offline-${i}`), 1);
    assert.equal(again.exceptionRequests.length, 1);
    assert.equal(again.exceptionRequests[0]!.user, 'alice');
    assert.deepEqual(up.exceptionRequests.map((r) => [r.toolId, r.status]), [['codex', 'pending']]);
    await assert.rejects(h.agent.requestException({ toolId: 'no-such-tool', reason: 'x', days: 1 }, 'alice'), (err: unknown) => err instanceof ServerError && err.status === 400);
  } finally {
    await h.agent.stop();
    await again.stop();
  }
});
