// The status socket as two real local users see it, against the real agent connected to a real server: who a
// caller is comes from the kernel, not from what it says; one user never sees another's command lines or
// requests (root sees all); and one user's flood neither stops enforcement nor keeps another user's request out.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { statusApiRequest } from '../../agent/status-client.ts';
import type { AgentEvent, AgentStatus } from '../../agent/status-types.ts';
import { startAgent, type AgentProcess } from '../support/agent-process.ts';
import { prepareCliSession } from '../support/ai-cli-session.ts';
import { createLocalUser, localUsersUnavailable, removeLocalUser, type LocalUser } from '../support/local-users.ts';
import { installRealCli } from '../support/real-clis.ts';
import { RequestRecorder } from '../support/request-recorder.ts';
import { floodAs, requestsAs } from '../support/socket-as-user.ts';
import { eventually, managedConfig, RealServer } from '../sync/e2e-support.ts';

const unavailable = localUsersUnavailable();

describe('the status socket between real users', { skip: unavailable }, () => {
  const scratch = mkdtempSync(join(tmpdir(), 'cordon-socket-users-'));
  chmodSync(scratch, 0o755);
  const socket = join(scratch, 'run', 'agent.sock');
  let alice: LocalUser;
  let bob: LocalUser;
  let server: RealServer;
  let recorder: RequestRecorder;
  let agent: AgentProcess;

  before(async () => {
    alice = createLocalUser('a');
    bob = createLocalUser('b');
    installRealCli('claude-code');
    recorder = await RequestRecorder.start();
    server = await RealServer.start();
    const config = managedConfig(server.url, server, 'overrides:\n  syncIntervalSeconds: 300\n');
    agent = await startAgent({ socket, env: { CORDON_CONFIG: config, DBUS_SESSION_BUS_ADDRESS: '' } });
    await eventually('the agent enrols', async () => (await agent.status()).enrolment.state === 'enrolled' || undefined);
  });
  after(async () => {
    await agent?.stop();
    await server?.close();
    await recorder?.close();
    removeLocalUser(alice);
    removeLocalUser(bob);
    rmSync(scratch, { recursive: true, force: true });
  });

  /** Runs the real Claude Code as `user` with `marker` among its arguments; resolves when the agent has stopped it. */
  async function launchAs(user: LocalUser, marker: string): Promise<AgentEvent> {
    const claude = installRealCli('claude-code');
    const home = join(scratch, `home-${user.name}-${marker}`);
    const session = prepareCliSession('claude-code', home, recorder.url);
    chownSync(home, user.uid, user.gid);
    const child = spawn(claude.bin, [...session.args, '--append-system-prompt', marker], { env: session.env, uid: user.uid, gid: user.gid, cwd: home, stdio: 'ignore' });
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_c, s) => resolve(s)));
    assert.equal(signal, 'SIGKILL', `Claude Code run by ${user.name} was not stopped`);
    return agent.waitForEvent((e) => e.type === 'block' && e.pid === child.pid);
  }

  const ask = (toolId: string, reason: string) => ({ method: 'POST', path: `/v1/exception-requests`, body: { toolId, reason, days: 3 } });

  it('files a request in the name of the user the kernel says is calling, whatever the caller claims', async () => {
    const [asAlice] = await requestsAs(bob, socket, [{ ...ask('codex', 'bob pretending to be alice'), path: `/v1/exception-requests?user=${alice.name}` }]);
    assert.equal(asAlice!.status, 201, asAlice!.text);
    const rows = (await server.exceptionRequests()).filter((r) => r.tool_id === 'codex');
    assert.deepEqual(rows.map((r) => r.os_user), [bob.name], 'the server must hold the request under bob, the real caller');
    const [own] = await requestsAs(alice, socket, [ask('aider', 'alice needs aider')]);
    assert.equal(own!.status, 201, own!.text);
    const [bobStatus, aliceStatus] = await Promise.all([bob, alice].map(async (u) => JSON.parse((await requestsAs(u, socket, [{ method: 'GET', path: `/v1/status?user=${alice.name}` }]))[0]!.text) as AgentStatus));
    assert.deepEqual(bobStatus!.exceptionRequests.map((r) => r.toolId), ['codex'], 'bob sees only his own request');
    assert.deepEqual(aliceStatus!.exceptionRequests.map((r) => r.toolId), ['aider'], 'alice sees only hers');
    const rootView = await agent.status();
    assert.deepEqual(rootView.exceptionRequests.map((r) => r.toolId).sort(), ['aider', 'codex'], 'root sees every request');
  });

  it("never shows one user's command lines to another; root sees them all", async () => {
    const marker = `alice-secret-${process.pid}`;
    const block = await launchAs(alice, marker);
    assert.equal(block.user, alice.name);
    assert.ok(block.argv?.includes(marker), 'root sees alice’s command line');
    const views = async (u: LocalUser) =>
      (await requestsAs(u, socket, [{ method: 'GET', path: '/v1/status' }, { method: 'GET', path: '/v1/events?limit=1000' }, { method: 'GET', path: `/v1/events?limit=1000&user=${alice.name}` }])).map((a) => a.text).join('\n');
    const bobSees = await views(bob);
    assert.ok(!bobSees.includes(marker), 'bob must not see alice’s command line');
    assert.ok(!bobSees.includes(`"user":"${alice.name}"`), 'bob must not see alice’s events at all');
    assert.ok((await views(alice)).includes(marker), 'alice sees her own');
  });

  it("a flood from one user neither stops enforcement nor keeps another user's request out", async () => {
    const flood = floodAs(bob, socket, [ask('gemini-cli', 'flood'), { method: 'GET', path: '/v1/status' }, { method: 'POST', path: '/v1/sync' }, ask('codex', 'x'.repeat(1500))], 8000, 64);
    await new Promise((r) => setTimeout(r, 1000));
    const block = await launchAs(alice, `during-flood-${process.pid}`);
    assert.equal(block.user, alice.name);
    const [request] = await requestsAs(alice, socket, [ask('cursor-agent', 'alice during bob’s flood')]);
    const counts = await flood;
    assert.ok([201, 202].includes(request!.status), `alice's request was refused during bob's flood: ${request!.status} ${request!.text}`);
    assert.ok((counts['429'] ?? 0) > 0, `bob's flood was never limited: ${JSON.stringify(counts)}`);
    const bobRows = (await server.exceptionRequests()).filter((r) => r.os_user === bob.name);
    assert.ok(bobRows.length <= 8, `bob filed ${bobRows.length} requests through the flood`);
    const queueFile = readFileSync(join(agent.stateDir, 'exception-requests.json'), 'utf8');
    assert.ok(queueFile.length < 64 * 1024, `the request file grew to ${queueFile.length} bytes`);
    // Root's own view still answers.
    assert.equal((await statusApiRequest<AgentStatus>(socket, 'GET', '/v1/status')).status, 200);
  });
});
