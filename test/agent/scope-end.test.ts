// A scoped agent (a trial in one terminal, every test's agent) ends when the process it serves ends: left running,
// it would enforce on whatever process is given that pid next.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { exitOf } from '../support/child-exit.ts';
import { startAgent } from '../support/agent-process.ts';

test('a --scope-pid agent stops by itself once its scope process has exited', async () => {
  const scope = spawn('sleep', ['600'], { stdio: 'ignore' });
  const agent = await startAgent({ scopePid: scope.pid! });
  try {
    assert.equal(agent.child.exitCode, null, 'running while its scope runs');
    scope.kill('SIGKILL');
    await exitOf(scope, 10_000);
    const ended = await exitOf(agent.child, 30_000);
    assert.deepEqual(ended, { code: 0, signal: null, timedOut: false }, 'the agent ended cleanly after its scope did');
    assert.match(agent.output().stderr, /the --scope-pid\) has ended; stopping/);
  } finally {
    if (agent.child.exitCode === null) await agent.stop();
  }
});
