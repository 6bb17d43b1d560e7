// The tray's connection to the agent, against real agents: a service agent answering on its socket, and the
// in-process fallback when none does. Agents here are confined to this test's descendants (scope pid).
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import type { AgentEvent } from '../../agent/status-types.ts';
import { AgentConnection } from '../../main/agent-connection.ts';
import { createIpcHandlers } from '../../main/ipc-handlers.ts';
import { IPC } from '../../ui-shared/cordon-bridge.ts';
import { REPO_ROOT } from '../support/cli.ts';
import { startAgent } from '../support/agent-process.ts';
import { startNpmLayoutProcess } from '../support/npm-layout-process.ts';
import { waitFor } from '../support/wait-for.ts';

const log = pino({ level: 'silent' });

test('a running agent: status, one event per new block (none for old ones), and its answer to an exception request', async () => {
  const agent = await startAgent({ args: ['--policy', join(REPO_ROOT, 'policy/examples/acme.yaml')] });
  const connection = await AgentConnection.open({ socket: agent.socket, startInProcess: false, agentVersion: 'test', log, pollMs: 100 });
  try {
    assert.equal(connection.snapshot.reachable, true);
    assert.equal(connection.snapshot.inProcess, false);
    assert.equal(connection.snapshot.status?.policy.id, 'acme-engineering');
    const events: AgentEvent[] = [];
    connection.on('event', (e) => events.push(e));
    connection.startPolling();
    const child = startNpmLayoutProcess('@openai/codex', 'codex');
    const block = await waitFor(() => events.find((e) => e.type === 'block' && e.pid === child.pid), 'the block event from polling');
    assert.equal(block.toolId, 'codex');
    assert.equal(events.filter((e) => e.type === 'agent.started').length, 0, 'events from before the tray connected are not announced');
    await waitFor(() => connection.snapshot.status?.recentEvents[0]?.id === block.id, 'the next snapshot');
    assert.equal(events.filter((e) => e.id === block.id).length, 1, 'announced once');

    // Through the IPC handlers: input validated first, then the agent's own answer.
    const handlers = createIpcHandlers({
      snapshot: () => connection.snapshot,
      refresh: () => connection.refresh(),
      requestException: (i) => connection.requestException(i),
      syncNow: () => connection.syncNow(),
      writeClipboard: () => Promise.resolve(),
      openInBrowser: () => Promise.resolve(),
      trayVersion: 'test',
    });
    assert.deepEqual(await handlers[IPC.requestException]({ toolId: 'codex', reason: ' ', days: 400, extra: 1 }), {
      ok: false,
      message: 'reason: a business reason (1 to 2000 characters) is required; days: must be a whole number of days from 1 to 90; extra: unknown field',
    });
    const answer = await handlers[IPC.requestException]({ toolId: 'codex', reason: 'SEC-4411 spike', days: 7 });
    assert.equal(answer.ok, false);
    assert.match((answer as { message: string }).message, /^this agent is not connected to a Cordon server, so it cannot file a request for codex; ask at https:\/\/intranet/);
    assert.deepEqual(await handlers[IPC.syncNow](), { ok: true, state: 'not-configured', lastSuccessAt: undefined });
    assert.match(await handlers[IPC.copyDiagnostics](), /^policy: acme-engineering/m);
    assert.equal(await handlers[IPC.openExternal]('https://ai.acme.example'), true);
    assert.equal(await handlers[IPC.openExternal]('https://ai.acme.example.evil.test'), false);
    assert.equal(await handlers[IPC.openExternal]('file:///etc/passwd'), false);
  } finally {
    await connection.close();
    await agent.stop();
  }
});

test('no agent answering: the agent starts in-process as this user, flagged; closing stops it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cordon-inproc-'));
  const connection = await AgentConnection.open({
    socket: join(dir, 'service.sock'),
    startInProcess: true,
    inProcessPaths: { stateDir: join(dir, 'state'), socket: join(dir, 'own.sock') },
    inProcessScopePid: process.pid,
    agentVersion: 'test',
    log,
  });
  assert.equal(connection.snapshot.reachable, true);
  assert.equal(connection.snapshot.inProcess, true);
  assert.equal(connection.snapshot.status?.scope, 'user');
  assert.equal(connection.snapshot.status?.pid, process.pid, 'the agent runs in this process');
  await connection.close();
  const after = await connection.refresh();
  assert.equal(after.reachable, false);
  assert.match(after.problem!, /not running/);
});

test('no agent and no fallback: unreachable, with the reason', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cordon-none-'));
  const connection = await AgentConnection.open({ socket: join(dir, 'none.sock'), startInProcess: false, agentVersion: 'test', log });
  assert.deepEqual([connection.snapshot.reachable, connection.snapshot.inProcess], [false, false]);
  assert.match(connection.snapshot.problem!, /^the Cordon agent is not running \(nothing listens on .*none\.sock\)$/);
  await connection.close();
});
