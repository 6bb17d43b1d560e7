// The whole chain with nothing standing in: the real `cordon agent` with IT's managed config enrols with a real
// Cordon server, enforces the server's signed policy, stops a real Claude Code and reports it exactly once;
// a policy IT pushes reaches it on `cordon sync` and changes what is enforced; an employee's exception request
// reaches the server.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { AdminClient } from '../../server/admin-client.ts';
import { DATA_FILES } from '../../server/data-dir.ts';
import { startAgent, type AgentProcess } from '../support/agent-process.ts';
import { launchClaude } from '../support/claude-launch.ts';
import { installRealCli } from '../support/real-clis.ts';
import { RequestRecorder } from '../support/request-recorder.ts';
import { cordon, eventually, managedConfig, RealServer } from './e2e-support.ts';

const scratch = mkdtempSync(join(tmpdir(), 'cordon-real-sync-'));
let server: RealServer;
let agent: AgentProcess;
let recorder: RequestRecorder;
let admin: AdminClient;

before(async () => {
  installRealCli('claude-code');
  recorder = await RequestRecorder.start();
  server = await RealServer.start();
  admin = new AdminClient(server.url, readFileSync(join(server.dataDir, DATA_FILES.adminToken), 'utf8').trim());
  const config = managedConfig(server.url, server, 'overrides:\n  syncIntervalSeconds: 300\n');
  agent = await startAgent({ env: { CORDON_CONFIG: config, DBUS_SESSION_BUS_ADDRESS: '' } });
});
after(async () => {
  await agent?.stop();
  await server?.close();
  await recorder?.close();
  rmSync(scratch, { recursive: true, force: true });
});

const launch = (name: string) => launchClaude(recorder, scratch, name);

it('enrols, runs the server’s signed policy, and reports a real block exactly once', async () => {
  const status = await eventually('the agent enrols and syncs', async () => {
    const s = await agent.status();
    return s.enrolment.state === 'enrolled' && s.sync.state === 'ok' && s.policy.source === 'server' ? s : undefined;
  });
  assert.ok(status.enrolment.deviceId);
  assert.equal(status.enrolment.tokenStorage, 'file', 'no Secret Service in this session: the root-only file, and status says so');
  assert.ok(status.policy.serial !== null && status.policy.serial >= 1);

  const run = await launch('blocked');
  assert.equal(run.reached, false, 'Claude Code reached the API');
  assert.equal(run.signal, 'SIGKILL');
  const block = await agent.waitForEvent((e) => e.type === 'block' && e.pid === run.pid);
  const stored = await eventually('the block reaches the server', async () => {
    const rows = (await server.events('block')).filter((r) => r.id === block.id);
    return rows.length ? rows : undefined;
  });
  assert.equal(stored.length, 1, 'stored exactly once');
  const s = await agent.status();
  assert.equal(s.queue.pending, 0, 'the journal is empty once the server acknowledged');
});

it('a policy IT pushes reaches the agent on `cordon sync` and changes what is enforced', async () => {
  const before = (await agent.status()).policy.serial!;
  const yaml = 'schemaVersion: 1\nid: eng-pilot\nname: Engineering pilot\nmode: enforce\nrules:\n  - id: claude-pilot\n    tools: [claude-code]\n    action: allow\n  - id: others\n    tools: ["*"]\n    action: block\n';
  // IT puts the device in the group (a device cannot choose its own).
  await admin.request('PUT', `/admin/v1/devices/${(await agent.status()).enrolment.deviceId!}/groups`, { groups: ['eng'] });
  await admin.request('POST', '/admin/v1/policies', { yaml, groups: ['eng'] });
  const sync = await cordon(['sync', '--socket', agent.socket]);
  assert.equal(sync.status, 0, sync.stdout + sync.stderr);
  const status = await agent.status();
  // The group's rules go in front of the base policy's (the server's effective policy), under the base's id.
  assert.equal(status.policy.source, 'server');
  assert.ok(status.policy.serial! > before, 'a newer serial');
  assert.ok(!status.restrictedTools.some((t) => t.toolId === 'claude-code'), 'Claude Code is no longer restricted');
  const run = await launch('allowed');
  assert.equal(run.reached, true, 'allowed now: Claude Code runs and reaches its API');
});

it('an employee’s exception request goes through the agent to the server', async () => {
  const r = await cordon(['request-exception', 'codex', '--reason', 'pairing with the vendor on a bug', '--days', '3', '--socket', agent.socket]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const rows = await eventually('the request reaches the server', async () => {
    const all = (await server.exceptionRequests()).filter((x) => x.tool_id === 'codex');
    return all.length ? all : undefined;
  });
  assert.equal(rows[0]!.status, 'pending');
  const status = await agent.status();
  assert.ok(status.exceptionRequests.some((x) => x.toolId === 'codex' && x.status === 'pending'));
});
