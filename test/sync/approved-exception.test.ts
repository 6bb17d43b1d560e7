// An exception IT approves applies on the device it was asked on, for the employee who asked, until it expires:
// the real server on loopback, the real `cordon agent` (as root, enforcing only on this test's descendants) with
// IT's managed config, two throwaway local users, the real `cordon request-exception`, the tray's own request
// path and `cordon admin`. And the groups IT sets on the server decide appliesTo.groups / excludeGroups.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AdminClient } from '../../server/admin-client.ts';
import { DATA_FILES } from '../../server/data-dir.ts';
import { startAgent, type AgentProcess } from '../support/agent-process.ts';
import { CORDON_BIN } from '../support/cli.ts';
import { canCreateUsers, createLocalUser, removeLocalUser, runAs, type LocalUser } from '../support/local-users.ts';
import { eventually, managedConfig, RealServer } from './e2e-support.ts';

const TRAY_REQUEST = new URL('./tray-exception-request.ts', import.meta.url).pathname;
const skip = canCreateUsers();

describe('approved exceptions and server-assigned groups, end to end', { skip }, () => {
  let server: RealServer;
  let agent: AgentProcess;
  let admin: AdminClient;
  let asker: LocalUser;
  let colleague: LocalUser;
  let scratch: string;
  let claudeScript: string;
  const children: ChildProcess[] = [];

  const cordonAs = (user: LocalUser | undefined, args: string[]) => runAs(user, process.execPath, [CORDON_BIN, ...args], { cwd: '/' });
  const adminCli = (args: string[]) => cordonAs(undefined, ['admin', '--server', server.url, '--token-file', join(server.dataDir, DATA_FILES.adminToken), ...args]);
  const deviceId = async () => (await agent.status()).enrolment.deviceId!;
  const syncNow = async () => {
    const r = await cordonAs(undefined, ['sync', '--socket', agent.socket]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
  };

  /** A look-alike of Claude Code (its npm layout, idling), started as `user`. */
  function launch(user: LocalUser): ChildProcess {
    const child = spawn(process.execPath, [claudeScript], { uid: user.uid, gid: user.gid, stdio: 'ignore', cwd: '/' });
    children.push(child);
    return child;
  }
  const exited = (child: ChildProcess) =>
    new Promise<NodeJS.Signals | null>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(child.signalCode) : child.once('exit', (_c, s) => resolve(s))));
  const blocked = async (child: ChildProcess) => {
    const event = await agent.waitForEvent((e) => e.type === 'block' && e.pid === child.pid, 20_000);
    assert.equal(await exited(child), 'SIGKILL');
    return event;
  };

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'cordon-exception-'));
    chmodSync(scratch, 0o755); // the employees run the look-alike from here
    const pkgDir = join(scratch, 'lib', 'node_modules', '@anthropic-ai', 'claude-code');
    mkdirSync(pkgDir, { recursive: true, mode: 0o755 });
    writeFileSync(join(pkgDir, 'package.json'), JSON.stringify({ name: '@anthropic-ai/claude-code', version: '1.0.0', bin: { claude: 'cli.js' } }));
    claudeScript = join(pkgDir, 'cli.js');
    writeFileSync(claudeScript, 'setInterval(() => {}, 1000);\n', { mode: 0o755 });
    asker = createLocalUser('ask');
    colleague = createLocalUser('col');
    server = await RealServer.start();
    admin = new AdminClient(server.url, server.adminToken);
    const config = managedConfig(server.url, server, 'overrides:\n  syncIntervalSeconds: 3600\n');
    // The employees reach the socket in the state dir (its files stay 0600), as they reach a service's socket.
    const stateDir = mkdtempSync(join(tmpdir(), 'cordon-exception-agent-'));
    chmodSync(stateDir, 0o711);
    agent = await startAgent({ stateDir, env: { CORDON_CONFIG: config, DBUS_SESSION_BUS_ADDRESS: '' }, args: ['--inventory', 'off'] });
    await eventually('the agent enrols and runs the server policy', async () => {
      const s = await agent.status();
      return s.enrolment.state === 'enrolled' && s.policy.source === 'server';
    });
  });

  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await agent?.stop();
    await server?.close();
    removeLocalUser(asker);
    removeLocalUser(colleague);
    rmSync(scratch, { recursive: true, force: true });
    if (agent) rmSync(agent.stateDir, { recursive: true, force: true });
  });

  test('asked for with the CLI and the tray, approved by IT: the tool runs for that employee on that device only, until the exception expires', async () => {
    // Not allowed to begin with (the built-in base policy blocks every catalogued tool).
    await blocked(launch(asker));

    const cli = await cordonAs(asker, ['request-exception', 'claude-code', '--reason', 'vendor pairing session (SEC-77)', '--days', '1', '--socket', agent.socket]);
    assert.equal(cli.status, 0, cli.stdout + cli.stderr);
    const tray = await runAs(asker, process.execPath, ['--import', 'tsx', TRAY_REQUEST, agent.socket, 'codex', 'evaluating Codex (SEC-78)', '2'], { cwd: process.cwd() });
    assert.equal(tray.status, 0, tray.stdout + tray.stderr);
    assert.equal((JSON.parse(tray.stdout) as { ok: boolean }).ok, true, tray.stdout);
    const requests = await server.exceptionRequests();
    assert.deepEqual(
      requests.map((r) => [r.tool_id, r.os_user, r.status]),
      [
        ['claude-code', asker.name, 'pending'],
        ['codex', asker.name, 'pending'],
      ],
      'both filed for the employee who asked',
    );

    // IT approves, with a short expiry, from the admin CLI.
    const expires = new Date(Date.now() + 45_000);
    const approve = await adminCli(['exceptions', 'approve', requests[0]!.id, '--expires', expires.toISOString(), '--note', 'pairing only']);
    assert.equal(approve.status, 0, approve.stdout + approve.stderr);
    await syncNow();
    const status = await agent.status();
    assert.equal(status.enrolment.deviceId, await deviceId());

    // The employee who asked runs it; a colleague on the same machine is still stopped.
    const allowed = launch(asker);
    const other = launch(colleague);
    const otherBlock = await blocked(other);
    assert.equal(otherBlock.user, colleague.name);
    // Seen no later than the colleague's (it started first): had it been blocked, it would be gone by now.
    assert.equal(allowed.exitCode, null, 'the employee with the approved exception runs the tool');
    assert.equal(allowed.signalCode, null);
    assert.ok(!(await agent.events()).some((e) => e.pid === allowed.pid && e.type === 'block'));
    allowed.kill('SIGKILL');

    // Once the exception has expired, it is stopped again.
    await eventually('the exception to expire', () => Date.now() > expires.getTime() + 500, 60_000);
    await blocked(launch(asker));
  });

  test('appliesTo.groups and excludeGroups follow the groups IT sets on the server', async () => {
    const yaml = `schemaVersion: 1
id: grouped-base
name: Grouped base
mode: enforce
rules:
  - id: no-codex-in-eng
    tools: [codex]
    action: block
    appliesTo: { groups: [eng] }
  - id: no-gemini-but-contractors
    tools: [gemini-cli]
    action: block
    appliesTo: { excludeGroups: [contractors] }
`;
    await admin.request('POST', '/admin/v1/policies', { yaml, groups: ['*'] });
    const restricted = async () => (await agent.status()).restrictedTools.map((t) => t.toolId).filter((id) => id === 'codex' || id === 'gemini-cli');

    const none = await adminCli(['devices', 'set-groups', await deviceId()]);
    assert.equal(none.status, 0, none.stdout + none.stderr);
    await syncNow();
    assert.deepEqual(await restricted(), ['gemini-cli'], 'in no group: the eng rule does not apply; the excludeGroups rule does');

    const set = await adminCli(['devices', 'set-groups', await deviceId(), '--group', 'eng', '--group', 'contractors']);
    assert.equal(set.status, 0, set.stdout + set.stderr);
    await syncNow();
    assert.deepEqual(await restricted(), ['codex'], 'in eng and contractors: codex is blocked, gemini-cli is not');
  });
});
