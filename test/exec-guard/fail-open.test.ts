// Fail-open, on the real kernel: an agent that stops answering costs each exec at most the deadline, and execs
// held in the kernel when the agent is killed (kill -9) are released at once — the helper dies with the agent
// (PR_SET_PDEATHSIG) and closing its fanotify fd allows everything pending. No exec ever hangs.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startAgent, type AgentProcess } from '../support/agent-process.ts';
import { execGuardSkipReason } from '../support/exec-guard-stage.ts';

const skip = execGuardSkipReason();
const scratch = mkdtempSync(join(tmpdir(), 'cordon-fail-open-'));
let copies = 0;

/** A fresh copy of /bin/true: a file the guard has never judged, so its exec must ask the agent. */
function freshProgram(): string {
  const path = join(scratch, `true-${copies++}`);
  copyFileSync('/bin/true', path);
  return path;
}

function execTimed(path: string): Promise<{ code: number | null; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(path, [], { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, ms: performance.now() - started }));
  });
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
    if (text) out.push(...text.split(' ').map(Number));
  }
  return out;
}

function helperOf(agent: AgentProcess): number {
  const helper = childrenOf(agent.child.pid!).find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('cordon-exec-guard'));
  assert.ok(helper, 'the agent runs no exec guard helper');
  return helper;
}

describe('fail-open', { skip }, () => {
  const agents: AgentProcess[] = [];
  after(async () => {
    for (const a of agents) {
      if (a.child.exitCode === null && a.child.signalCode === null) a.child.kill('SIGCONT');
      await a.stop();
    }
    rmSync(scratch, { recursive: true, force: true });
  });

  it('lets execs through, each after at most the deadline, while the agent does not answer', async (t) => {
    const agent = await startAgent({ args: ['--exec-guard', 'on', '--inventory', 'off'], readyTimeoutMs: 90_000 });
    agents.push(agent);
    assert.equal((await agent.status()).health.engine?.kind, 'fanotify');
    agent.child.kill('SIGSTOP');
    try {
      const runs = [];
      for (let i = 0; i < 20; i++) runs.push(await execTimed(freshProgram()));
      assert.deepEqual(
        runs.map((r) => r.code),
        runs.map(() => 0),
        'every exec ran (fail-open)',
      );
      const slowest = Math.max(...runs.map((r) => r.ms));
      t.diagnostic(`20 execs with the agent stopped: slowest ${slowest.toFixed(1)} ms (deadline 40 ms; after one miss the helper stops asking)`);
      // Far above the 40 ms deadline, for a loaded test machine; a hang would be forever.
      assert.ok(slowest < 5000, `an exec hung ${slowest} ms`);
    } finally {
      agent.child.kill('SIGCONT');
    }
    await agent.stop();
  });

  it('releases execs held for a killed agent at once, and its helper dies with it', async (t) => {
    // A long deadline, so that only the agent's death can release the execs before it.
    const agent = await startAgent({ args: ['--exec-guard', 'on', '--inventory', 'off', '--exec-guard-deadline-ms', '10000'], readyTimeoutMs: 90_000 });
    agents.push(agent);
    assert.equal((await agent.status()).health.engine?.kind, 'fanotify');
    const helper = helperOf(agent);
    // Node's spawn waits in the parent until the child's exec is done, so the held execs are started by a shell
    // (itself exec'd once beforehand, so that its own exec is a cached verdict).
    assert.equal((await execTimed('/bin/sh')).code, 0);
    agent.child.kill('SIGSTOP');
    const programs = Array.from({ length: 5 }, () => freshProgram());
    const shell = spawn('/bin/sh', ['-c', 'for f in "$@"; do { "$f" || echo "FAILED $f"; } & done; wait; echo done', 'sh', ...programs], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    shell.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    const shellExit = new Promise<number | null>((resolve) => shell.once('exit', (code) => resolve(code)));
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(shell.exitCode, null, `the execs should be held, waiting for the stopped agent: ${output}`);
    const killedAt = performance.now();
    agent.child.kill('SIGKILL');
    assert.equal(await shellExit, 0);
    const releasedAfter = performance.now() - killedAt;
    t.diagnostic(`5 held execs released ${releasedAfter.toFixed(1)} ms after kill -9 of the agent (deadline 10 s)`);
    assert.equal(output.trim(), 'done', 'every held exec ran once released');
    assert.ok(releasedAfter < 9000, 'released by the deadline, not by the agent dying');
    for (let i = 0; i < 100 && existsSync(`/proc/${helper}`); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(!existsSync(`/proc/${helper}`) || readFileSync(`/proc/${helper}/stat`, 'utf8').includes(') Z'), 'the helper outlived its agent');
    assert.equal((await execTimed(freshProgram())).code, 0, 'execs after the agent is gone run normally');
  });

  it('fails closed when the policy says so (agent.execGuardUnanswered: deny): an exec nobody judges is refused', async () => {
    const policyFile = join(scratch, 'fail-closed.yaml');
    writeFileSync(policyFile, 'schemaVersion: 1\nid: fail-closed\nname: fail-closed\nmode: enforce\nagent:\n  execGuardUnanswered: deny\nrules:\n  - id: no-ai-clis\n    tools: [claude-code]\n    action: block\n');
    // A generous deadline: on a loaded machine a 40 ms one is missed, and failing closed then refuses the exec.
    const agent = await startAgent({ args: ['--exec-guard', 'on', '--inventory', 'off', '--policy', policyFile, '--exec-guard-deadline-ms', '1000'], readyTimeoutMs: 90_000 });
    agents.push(agent);
    const engine = (await agent.status()).health.engine;
    assert.match(engine?.why ?? '', /fail-closed/);
    assert.equal((await execTimed(freshProgram())).code, 0, 'judged in time: allowed');
    // Only this test's descendants are guarded (--scope-pid): the rest of the machine keeps running.
    agent.child.kill('SIGSTOP');
    try {
      await assert.rejects(execTimed(freshProgram()), { code: 'EPERM' }, 'an exec the stopped agent cannot judge is refused');
    } finally {
      agent.child.kill('SIGCONT');
    }
    // The helper asks again once the agent has spoken (it answers the question it missed as it resumes).
    let again: unknown;
    for (let i = 0; i < 50; i++) {
      again = await execTimed(freshProgram()).then((r) => r.code, (err: NodeJS.ErrnoException) => err.code);
      if (again === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(again, 0, 'judged again once the agent answers');
    await agent.stop();
  });
});
