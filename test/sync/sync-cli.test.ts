// `cordon sync` and `cordon request-exception` outside the happy path (that is in end-to-end.test.ts): wrong
// usage, no agent, and an agent that is not connected to a server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CORDON_BIN } from '../support/cli.ts';
import { cordon, eventually } from './e2e-support.ts';
import { statusApiRequest } from '../../agent/status-client.ts';

test('wrong usage says what is wrong and exits 2', async () => {
  const cases = [
    [['request-exception'], /which tool\?/],
    [['request-exception', 'codex', '--reason', 'x', '--days', '0'], /--days must be a whole number from 1 to 90/],
    [['sync', 'now'], /unexpected "now"/],
  ] as const;
  const results = await Promise.all(cases.map(([args]) => cordon([...args])));
  results.forEach((r, i) => {
    assert.equal(r.status, 2, `${cases[i]![0].join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, cases[i]![1]);
  });
});

test('no agent running: both commands say so and exit 1', async () => {
  const socket = join(mkdtempSync(join(tmpdir(), 'cordon-cli-')), 'none.sock');
  const [sync, req] = await Promise.all([
    cordon(['sync', '--socket', socket]),
    cordon(['request-exception', 'codex', '--reason', 'evaluation', '--days', '3', '--socket', socket]),
  ]);
  assert.equal(sync.status, 1);
  assert.match(sync.stderr, /the Cordon agent is not running \(nothing listens on .*none\.sock\)/);
  assert.equal(req.status, 1);
  assert.match(req.stderr, /the Cordon agent is not running/);
});

test('an agent without a server: `cordon sync` says there is nothing to sync; a request is refused with where to ask', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cordon-cli-agent-'));
  const socket = join(dir, 'agent.sock');
  // Monitor mode, scoped to this test's own descendants: it stops nothing anywhere.
  const agent = spawn(process.execPath, [CORDON_BIN, 'agent', '--mode', 'monitor', '--state-dir', dir, '--socket', socket, '--scope-pid', String(process.pid)], { stdio: 'ignore' });
  try {
    await eventually('the agent to answer', async () => (await statusApiRequest(socket, 'GET', '/v1/status')).status === 200, 60_000);
    const sync = await cordon(['sync', '--socket', socket]);
    assert.equal(sync.status, 1);
    assert.match(sync.stdout, /not connected to a Cordon server \(no managed configuration\), so there is nothing to sync/);
    const req = await cordon(['request-exception', 'codex', '--reason', 'evaluation', '--days', '3', '--socket', socket]);
    assert.equal(req.status, 1);
    assert.match(req.stderr, /not connected to a Cordon server, so it cannot file a request for codex/);
  } finally {
    agent.kill('SIGTERM');
    await new Promise((r) => agent.once('exit', r));
  }
});
