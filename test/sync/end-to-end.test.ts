// The real server, a real fault proxy in front of it and the real `cordon` CLI, with the real `cordon agent` for the
// outage case (enforcement and the journal as shipped) and the sync harness (sync-harness.ts: sync and the status
// API, no enforcement) for the sync-level cases that need events on demand. kill -9 of the real agent during its
// uploads, a stress that runs alone: kill-during-upload.test.ts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSigningKey, loadPrivateKey, signBundle, builtInPolicy } from '../../policy/index.ts';
import { statusApiRequest } from '../../agent/status-client.ts';
import type { SyncAnswerBody } from '../../agent/sync/status-answers.ts';
import { loadManagedConfig, type ManagedConfig } from '../../agent/sync/managed-config.ts';
import { SyncAgent } from '../../agent/sync/sync-agent.ts';
import { SyncHarnessProcess, syncHarnessBundle, cordon, eventually, managedConfig, RealServer, realAgent } from './e2e-support.ts';
import { FaultProxy } from './fault-proxy.ts';
import { launchClaude } from '../support/claude-launch.ts';
import { installRealCli } from '../support/real-clis.ts';
import { RequestRecorder } from '../support/request-recorder.ts';
import { mountSmallTmpfs } from '../support/small-tmpfs.ts';
import { requireSetup, requireSystemPart } from '../support/system-part.ts';

const sync = async (agent: { socket: string }) => statusApiRequest<SyncAnswerBody>(agent.socket, 'POST', '/v1/sync');

// One real server for the tests that do not take it down: its embedded PostgreSQL takes seconds to start.
let shared: RealServer;
before(async () => {
  [shared] = await Promise.all([RealServer.start(), syncHarnessBundle()]);
});
after(async () => {
  await SyncHarnessProcess.killAll();
  await shared.close();
});

test('server down: the real `cordon agent` keeps enforcing (a real Claude Code launched in the outage is stopped before it reaches its API), and its events arrive once, when the server is back', async () => {
  const first = await RealServer.start();
  const proxy = await new FaultProxy(first.url).start();
  const recorder = await RequestRecorder.start();
  const scratch = mkdtempSync(join(tmpdir(), 'cordon-e2e-outage-'));
  installRealCli('claude-code');
  const agent = await realAgent(managedConfig(proxy.url, first, 'overrides:\n  syncIntervalSeconds: 300\n'));
  try {
    const initial = await sync(agent);
    assert.equal(initial.status, 200, JSON.stringify(initial.body.errors));
    assert.equal(initial.body.policy.source, 'server');
    const serial = initial.body.policy.serial;
    await first.close();

    // Enforcement during the outage: a real launch, stopped before its first request reaches the recorder.
    const run = await launchClaude(recorder, scratch, 'outage');
    assert.equal(run.reached, false, 'Claude Code reached its API while the server was down');
    assert.equal(run.signal, 'SIGKILL');
    const block = await agent.waitForEvent((e) => e.type === 'block' && e.pid === run.pid);
    const cli = await cordon(['sync', '--socket', agent.socket]);
    assert.equal(cli.status, 1, cli.stdout + cli.stderr);
    assert.match(cli.stdout, /Sync with http:\/\/127\.0\.0\.1:\d+ did not fully work:\n {2}- policy: GET .*\/v1\/policy: the (server closed the connection|connection was reset)/);
    assert.match(cli.stdout, new RegExp(`Policy in force: ".*" serial ${serial} \\(server\\) — kept\\.`));
    const during = await agent.status();
    assert.equal(during.policy.serial, serial, 'the last good policy stays in force');
    assert.equal(during.sync.state, 'error');
    assert.ok(during.queue.pending >= 1, 'the block waits in the journal');

    const second = await RealServer.start(first.dataDir);
    proxy.retarget(second.url);
    try {
      await eventually('the block to arrive', async () => (await second.eventIds(block.id)).length === 1, 60_000);
      await eventually('the queue to empty', async () => (await agent.status()).queue.pending === 0);
      const after = await sync(agent);
      assert.equal(after.status, 200, JSON.stringify(after.body.errors));
      assert.equal(after.body.sync.state, 'ok');
      assert.deepEqual(await second.eventIds(block.id), [block.id], 'stored once');
      const [device] = await second.devices();
      assert.equal(device!.reported_serial, serial, 'the heartbeat reports the policy in force');
    } finally {
      await second.close();
    }
  } finally {
    await agent.stop();
    await proxy.stop();
    await recorder.close();
    rmSync(scratch, { recursive: true, force: true });
  }
});

test('500s, hangs, garbage and a bundle signed by another key: the last good policy stays, status and `cordon sync` say why, and sync recovers', async () => {
  const server = shared;
  const proxy = await new FaultProxy(server.url).start();
  const agent = await SyncHarnessProcess.start(managedConfig(proxy.url, server), undefined, { env: { CORDON_TEST_TIMEOUT_MS: '700' } });
  try {
    assert.equal((await sync(agent)).status, 200);
    const good = (await agent.status()).policy;
    const attacker = generateSigningKey();
    const deviceId = (await agent.status()).enrolment.deviceId!;
    const forged = JSON.stringify(
      signBundle({ serial: 1000, issuedAt: new Date().toISOString(), device: deviceId, policy: { ...builtInPolicy(), mode: 'monitor', rules: [] } }, loadPrivateKey(attacker.privateKeyPem)),
    );
    const faults: [FaultProxy['fault'], RegExp][] = [
      [{ mode: '500' }, /HTTP 500/],
      [{ mode: 'hang' }, /no answer within 0\.7 s/],
      [{ mode: 'garbage' }, /policy rejected \(malformed\)/],
      [{ mode: 'policy', body: forged }, /policy rejected \(unknown-key\)/],
    ];
    proxy.only = /^\/v1\/policy/;
    for (const [fault, why] of faults) {
      proxy.fault = fault;
      const r = await sync(agent);
      assert.equal(r.status, 502, fault.mode);
      assert.match(r.body.sync.lastError ?? '', why);
      const s = await agent.status();
      assert.deepEqual([s.policy.serial, s.policy.digest, s.mode], [good.serial, good.digest, 'enforce'], 'the last good policy stays in force');
    }
    const cli = await cordon(['sync', '--socket', agent.socket]);
    assert.equal(cli.status, 1);
    assert.match(cli.stdout, /policy rejected \(unknown-key\): signed by key [0-9a-f]{32}, which is not one of the 1 pinned key/);
    assert.match(cli.stdout, /the server's bundle was rejected: unknown-key/);
    assert.ok((await agent.status()).health.problems.some((p) => /unknown-key.*last good policy stays in force/.test(p)));
    await eventually('the rejections to reach the server', async () => (await server.events('policy.rejected')).length === 2);
    assert.deepEqual((await server.events('policy.rejected')).map((e) => e.body.detail?.reason), ['malformed', 'unknown-key']);

    // Uploads failing with 500s: the events wait in the journal and go once the server recovers, by themselves.
    proxy.only = /^\/v1\/events/;
    proxy.fault = { mode: '500' };
    const failing = proxy.nextRequest(/^\/v1\/events/);
    agent.record('during-500', 5);
    await failing;
    assert.equal((await agent.status()).queue.pending >= 5, true);
    proxy.fault = { mode: 'pass' };
    await eventually('the retried upload', async () => (await server.eventIds('during-500-')).length === 5);

    const healed = await cordon(['sync', '--socket', agent.socket]);
    assert.equal(healed.status, 0, healed.stdout + healed.stderr);
    assert.match(healed.stdout, /^Synced with http:\/\/127\.0\.0\.1:\d+\.\nPolicy: ".*" serial \d+ \(server\) — unchanged\./);
    assert.match(healed.stdout, /Device: enrolled as \S+, token in the root-only file\./);
    assert.ok(proxy.answered.includes('GET /v1/policy 304'), 'an unchanged policy costs a 304 (If-None-Match)');
    assert.equal((await agent.status()).health.problems.length, 0);
  } finally {
    await agent.stop();
    await proxy.stop();
  }
});

test('an exception request from the CLI reaches IT; the approval arrives as a newer signed policy; replaying the older one is refused as a rollback', async () => {
  const server = shared;
  const proxy = await new FaultProxy(server.url).start();
  const agent = await SyncHarnessProcess.start(managedConfig(proxy.url, server));
  try {
    const first = await sync(agent);
    assert.equal(first.status, 200);
    const serial1 = first.body.policy.serial!;
    const filed = await cordon(['request-exception', 'codex', '--reason', 'SEC-4411 evaluation of Codex', '--days', '14', '--socket', agent.socket]);
    assert.equal(filed.status, 0, filed.stdout + filed.stderr);
    assert.match(filed.stdout, /^Request \S+ filed: codex for 14 days \(pending\)\. IT decides on the server/);
    const [request] = await server.exceptionRequests();
    assert.equal(request!.tool_id, 'codex');
    assert.equal(request!.status, 'pending');

    // The bundle in force now, as it travelled: replayed below.
    const oldBundle = proxy.lastPolicyBody ?? assert.fail('no policy passed through the proxy');
    await server.approve(request!.id);
    const approved = await cordon(['sync', '--socket', agent.socket]);
    assert.equal(approved.status, 0, approved.stdout + approved.stderr);
    assert.match(approved.stdout, new RegExp(`Policy: ".*" serial ${serial1 + 1} \\(server\\) — new, now in force\\.`));
    assert.match(approved.stdout, /Exception requests: codex approved\./);

    proxy.only = /^\/v1\/policy/;
    proxy.fault = { mode: 'policy', body: oldBundle };
    const replay = await cordon(['sync', '--socket', agent.socket]);
    assert.equal(replay.status, 1);
    assert.match(replay.stdout, new RegExp(`policy rejected \\(rollback\\): the bundle has serial ${serial1}, older than serial ${serial1 + 1} in force`));
    assert.equal((await agent.status()).policy.serial, serial1 + 1);
  } finally {
    await agent.stop();
    await proxy.stop();
  }
});

const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';
const noFaketime = requireSystemPart({ binary: LIBFAKETIME, debianPackage: 'faketime' });

test('clock skew of ± 1 day (libfaketime): enrolment, policy and events still work, and status says the clock is off', { skip: noFaketime }, async () => {
  const server = shared;
  for (const skew of ['+1d', '-1d']) {
      // Preloaded into the agent process alone: the machine's clock is left alone.
      const agent = await SyncHarnessProcess.start(managedConfig(server.url, server), undefined, { env: { LD_PRELOAD: LIBFAKETIME, FAKETIME: skew } });
      try {
        agent.record(`skew${skew === '+1d' ? 'ahead' : 'behind'}`, 5);
        const r = await sync(agent);
        assert.equal(r.status, 200, JSON.stringify(r.body.errors));
        assert.equal(r.body.policy.source, 'server');
        assert.equal((await server.eventIds(`skew${skew === '+1d' ? 'ahead' : 'behind'}`)).length, 5);
        const s = await agent.status();
        assert.ok(s.health.problems.some((p) => new RegExp(`clock is 14[34]\\d min ${skew.startsWith('+') ? 'ahead of' : 'behind'} the server`).test(p)), s.health.problems.join('; '));
      } finally {
        await agent.stop();
      }
  }
});

async function inProcessAgent(overrides: ManagedConfig['overrides'] = {}, stateDir = mkdtempSync(join(tmpdir(), 'cordon-e2e-inproc-'))): Promise<SyncAgent> {
  const config = { ...loadManagedConfig(managedConfig(shared.url, shared))!, overrides };
  return SyncAgent.open({
    config,
    stateDir,
    agentVersion: '0.1.0-e2e',
    onPolicy: () => undefined,
    health: () => ({ mode: 'enforce', policy: { id: 'p', serial: null, digest: 'd' }, watcher: 'none', problems: [], installed: [] }),
    keychain: false,
    schedule: false,
  });
}

test('an event the server refuses does not block the queue: the batch is split, the event dropped and reported', async () => {
  const agent = await inProcessAgent();
  try {
    for (let i = 0; i < 40; i++) agent.record({ id: i === 17 ? 'poison id with spaces' : `poison-ok-${i}`, type: 'block', at: new Date().toISOString() });
    const report = await agent.syncNow();
    assert.equal(report.queue.pending, 0);
    assert.equal((await shared.eventIds('poison-ok-')).length, 39);
    assert.ok(report.problems.some((p) => /refused 1 event\(s\), the last poison id with spaces: .*HTTP 400/.test(p)), report.problems.join('; '));
  } finally {
    await agent.stop();
  }
});

test('a token the server no longer knows (restored from a backup): the agent enrols again as itself and carries on; the journal bound and its drops reach the server', async () => {
  const agent = await inProcessAgent({ journalMaxEvents: 100 });
  try {
    const first = await agent.syncNow();
    assert.equal(first.ok, true, first.errors.join('; '));
    const oldId = first.enrolment.deviceId!;
    await shared.running.db.query("UPDATE devices SET token_hash = 'lost' WHERE id = $1", [oldId]);
    for (let i = 0; i < 130; i++) agent.record({ id: `bound-${String(i).padStart(3, '0')}`, type: 'block', at: new Date().toISOString() });
    // 100 kept, plus the one summary event that counts the 30 dropped (it is uploaded like any other).
    assert.deepEqual(agent.info().queue, { pending: 101, dropped: 30 });
    const second = await agent.syncNow();
    assert.equal(second.ok, true, second.errors.join('; '));
    assert.equal(second.enrolment.deviceId, oldId, 'the same device, a new token');
    assert.equal(second.enrolment.state, 'enrolled');
    // A policy.applied event of the sync's own (were the policy new) would push one more of the oldest out.
    const dropped = second.queue.dropped;
    assert.ok(dropped === 30 || dropped === 31, `dropped ${dropped}`);
    const stored = await shared.eventIds('bound-');
    assert.deepEqual([stored.length, stored[0], stored.at(-1)], [130 - dropped, `bound-${String(dropped).padStart(3, '0')}`, 'bound-129'], 'the newest arrive; the oldest were dropped');
    const device = (await shared.devices()).find((d) => d.id === second.enrolment.deviceId)!;
    assert.ok(device.health?.problems.some((p) => p.includes(`${dropped} event(s) were dropped because the journal reached its bound`)), JSON.stringify(device.health));
  } finally {
    await agent.stop();
  }
});

test('disk full while journaling: recording goes on, status says so, the events still reach the server from memory, and the problem clears once space returns', async (t) => {
  const disk = mountSmallTmpfs('e2e-full', '256k');
  // Without the mount the disk-full path is untested here: a skip, and a failure under CI.
  if ('missing' in disk) return t.skip(requireSetup(disk.missing));
  const stateDir = join(disk.dir, 'state');
  const agent = await inProcessAgent({}, stateDir);
  try {
    assert.equal((await agent.syncNow()).ok, true);
    const filler = disk.fill();
    for (let i = 0; i < 20; i++) agent.record({ id: `full-${i}`, type: 'block', at: new Date().toISOString(), message: 'x'.repeat(2000) });
    const info = agent.info();
    assert.equal(info.queue.pending, 20);
    assert.ok(info.problems.some((p) => /cannot write the event journal .*ENOSPC.*held in memory/.test(p)), info.problems.join('; '));
    const report = await agent.syncNow();
    assert.equal(report.uploaded, 20, report.errors.join('; '));
    assert.equal((await shared.eventIds('full-')).length, 20);
    // A request filed and approved while the disk is full: the newer signed policy is still put in force.
    const filed = await agent.requestException({ toolId: 'aider', reason: 'disk-full test', days: 2 }, 'bob');
    assert.equal(filed.status, 'pending');
    await shared.approve(filed.id);
    const updated = await agent.syncNow();
    assert.equal(updated.policyResult.result, 'updated', updated.errors.join('; '));
    assert.equal(agent.currentPolicy()!.content.serial, updated.policyResult.serial);
    assert.ok(updated.problems.some((p) => /policy serial \d+ is in force but could not be saved .*ENOSPC/.test(p)), updated.problems.join('; '));
    rmSync(filler);
    agent.record({ id: 'full-after', type: 'block', at: new Date().toISOString() });
    assert.equal(agent.info().problems.some((p) => /cannot write/.test(p)), false, 'the problem clears once the disk takes writes again');
  } finally {
    await agent.stop();
    disk.unmount();
  }
});

test('left alone, a fresh agent enrols, applies the server policy and delivers its events by itself', async () => {
  const agent = await SyncHarnessProcess.start(managedConfig(shared.url, shared));
  try {
    agent.record('unattended', 3);
    const s = await eventually('the first scheduled sync', async () => {
      const status = await agent.status();
      return status.policy.source === 'server' && status.sync.state === 'ok' && status;
    });
    assert.equal(s.enrolment.state, 'enrolled');
    await eventually('the events to arrive without a sync call', async () => (await shared.eventIds('unattended-')).length === 3);
  } finally {
    await agent.stop();
  }
});

const noKeyring = requireSystemPart({ binary: 'dbus-run-session', debianPackage: 'dbus' }) ?? requireSystemPart({ binary: 'gnome-keyring-daemon', debianPackage: 'gnome-keyring' });

test('in a desktop session with a Secret Service (gnome-keyring), the device token goes to the keychain and survives a restart', { skip: noKeyring }, async () => {
  const config = managedConfig(shared.url, shared);
  // The same HOME twice: gnome-keyring keeps its (encrypted) keyring file there across sessions.
  const env = { CORDON_TEST_KEYCHAIN: `cordon-e2e-${process.pid}`, HOME: mkdtempSync(join(tmpdir(), 'cordon-e2e-home-')) };
  const stateDir = mkdtempSync(join(tmpdir(), 'cordon-e2e-keyring-'));
  const first = await SyncHarnessProcess.start(config, stateDir, { keyring: true, env });
  let deviceId: string | undefined;
  try {
    const r = await sync(first);
    assert.equal(r.status, 200, JSON.stringify(r.body.errors));
    assert.equal(r.body.enrolment.tokenStorage, 'keychain');
    deviceId = r.body.enrolment.deviceId;
    assert.equal(existsSync(join(stateDir, 'device-token.json')), false, 'no token file on disk');
  } finally {
    await first.stop();
  }
  const devicesBefore = (await shared.devices()).length;
  const second = await SyncHarnessProcess.start(config, stateDir, { keyring: true, env });
  try {
    const r = await sync(second);
    assert.equal(r.status, 200, JSON.stringify(r.body.errors));
    assert.deepEqual([r.body.enrolment.tokenStorage, r.body.enrolment.deviceId], ['keychain', deviceId], 'the same device, token read back from the keychain');
    assert.equal((await shared.devices()).length, devicesBefore, 'no second enrolment');
  } finally {
    await second.stop();
  }
});
