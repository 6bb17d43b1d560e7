// The agent as a service: starts on bad state without losing it, refuses to run twice, stops cleanly, keeps the
// last good policy when its policy file turns bad, and its status API rejects bad requests with clear errors.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { statusApiRequest } from '../../agent/status-client.ts';
import type { AgentStatus } from '../../agent/status-types.ts';
import { startAgent } from '../support/agent-process.ts';
import { runCordon } from '../support/cli.ts';
import { installRealCli } from '../support/real-clis.ts';

it('sets a corrupt state file aside, says so in status, and carries on', async () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'cordon-state-'));
  writeFileSync(join(stateDir, 'recent-events.json'), '{"events": [ {"id": truncated');
  const agent = await startAgent({ stateDir });
  try {
    const status = await agent.status();
    assert.ok(status.health.problems.some((p) => /was corrupt/.test(p) && /kept aside/.test(p)), JSON.stringify(status.health.problems));
    const aside = readdirSync(stateDir).find((f) => f.startsWith('recent-events.json.corrupt-'));
    assert.ok(aside, 'the corrupt file is kept for inspection, not deleted');
    assert.equal(readFileSync(join(stateDir, aside), 'utf8'), '{"events": [ {"id": truncated');
  } finally {
    assert.equal(await agent.stop(), 0);
  }
});

it('refuses to start a second agent on the same socket, and exits 0 with its socket gone on SIGTERM', async () => {
  const agent = await startAgent();
  const second = runCordon(['agent', '--state-dir', agent.stateDir, '--socket', agent.socket, '--scope-pid', String(process.pid)], { timeoutMs: 20_000 });
  assert.equal(second.status, 1);
  assert.match(second.stderr, /another Cordon agent is already running/);
  assert.equal((await agent.status()).pid, agent.child.pid, 'the first agent is unharmed');
  assert.equal(await agent.stop(), 0);
  assert.ok(!existsSync(agent.socket), 'the socket is removed on a clean stop');
  // Events survive the restart.
  const again = await startAgent({ stateDir: agent.stateDir });
  try {
    const starts = (await again.events()).filter((e) => e.type === 'agent.started');
    assert.equal(starts.length, 2);
  } finally {
    await again.stop();
  }
});

it('keeps enforcing the last good policy when its policy file turns bad, and reports why', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cordon-policy-'));
  const file = join(dir, 'policy.yaml');
  writeFileSync(file, 'schemaVersion: 1\nid: team-policy\nname: Team policy\nmode: enforce\nrules:\n  - id: no-claude\n    tools: [claude-code]\n    action: block\n');
  const agent = await startAgent({ args: ['--policy', file] });
  try {
    assert.equal((await agent.status()).policy.id, 'team-policy');
    writeFileSync(file, 'schemaVersion: 1\nid: team-policy\nmode: sometimes\nrules: []\n');
    const rejected = await agent.waitForEvent((e) => e.type === 'policy.rejected', 25_000);
    assert.match(String(rejected.detail?.reason), /mode/);
    const status = await agent.status();
    assert.equal(status.policy.id, 'team-policy');
    assert.ok(status.restrictedTools.some((t) => t.toolId === 'claude-code'), 'the last good rules stay in force');
    assert.ok(status.health.problems.some((p) => p.includes(file) && /rejected/.test(p)));
  } finally {
    await agent.stop();
  }
});

it('answers bad status API requests with a clear error and never an enforcement change', async () => {
  const agent = await startAgent();
  try {
    const badLimit = await statusApiRequest<{ error: string; message: string }>(agent.socket, 'GET', '/v1/events?limit=0');
    assert.equal(badLimit.status, 400);
    assert.match(badLimit.body.message, /limit: must be an integer from 1 to 1000/);
    const unknown = await statusApiRequest<{ message: string }>(agent.socket, 'POST', '/v1/mode', { mode: 'monitor' });
    assert.equal(unknown.status, 404);
    const badRequest = await statusApiRequest<{ message: string }>(agent.socket, 'POST', '/v1/exception-requests', { toolId: 'claude-code', days: 'ever' });
    assert.equal(badRequest.status, 400);
    assert.match(badRequest.body.message, /reason|days/);
    assert.equal((await agent.status()).mode, 'enforce');
  } finally {
    await agent.stop();
  }
});

it('reports installed AI CLIs in status from its inventory, without moving them under --scope-pid', async () => {
  const claude = installRealCli('claude-code');
  // The inventory looks at every directory on PATH; the real Claude Code's npm-global bin is one of them here.
  const agent = await startAgent({ env: { PATH: `${join(claude.prefix, 'bin')}:${process.env.PATH}` } });
  try {
    const deadline = Date.now() + 60_000;
    let found: AgentStatus['installed'][number] | undefined;
    while (!found && Date.now() < deadline) {
      found = (await agent.status()).installed.find((t) => t.toolId === 'claude-code' && t.path.startsWith(claude.prefix));
      if (!found) await new Promise((r) => setTimeout(r, 250));
    }
    assert.ok(found, 'the installed Claude Code is listed');
    assert.equal(found.state, 'not-allowed');
    assert.ok(existsSync(claude.bin), 'a trial agent (--scope-pid) never moves files');
    assert.ok((await agent.events()).some((e) => e.type === 'install-found' && e.toolId === 'claude-code'));
  } finally {
    await agent.stop();
  }
});
