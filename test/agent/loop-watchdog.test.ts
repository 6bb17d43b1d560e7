// A stuck agent must not stay stuck: when its event loop stops (here, a genuinely blocking FIFO read injected into
// the test's agent process), the watchdog records the stall and kills it; started again (what systemd's
// Restart=always does), the agent reports the stall as a health problem and an event, and enforces again.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, it } from 'node:test';
import { STALL_FILE } from '../../agent/loop-watchdog.ts';
import { startAgent, type AgentProcess } from '../support/agent-process.ts';
import { REPO_ROOT } from '../support/cli.ts';

const scratch = mkdtempSync(join(tmpdir(), 'cordon-watchdog-'));
const agents: AgentProcess[] = [];
let banned: ChildProcess | undefined;

after(async () => {
  banned?.kill('SIGKILL');
  for (const a of agents) {
    const kill = setTimeout(() => a.child.kill('SIGKILL'), 5000);
    await a.stop();
    clearTimeout(kill);
  }
  rmSync(scratch, { recursive: true, force: true });
});

it('kills an agent whose loop is stuck, and the restarted agent reports the stall and enforces', async () => {
  const fifo = join(scratch, 'never-written');
  execFileSync('mkfifo', [fifo]);
  const blocker = pathToFileURL(join(REPO_ROOT, 'test/support/loop-blocker.mjs')).href;
  const stuck = await startAgent({ args: ['--watchdog-seconds', '2'], env: { NODE_OPTIONS: `--import=${blocker}`, CORDON_TEST_BLOCKING_FIFO: fifo } });
  agents.push(stuck);
  assert.equal((await stuck.status()).mode, 'enforce');
  const exited = once(stuck.child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  stuck.child.kill('SIGUSR2');
  const [code, signal] = await exited;
  assert.equal(signal, 'SIGKILL', `the watchdog kills the stuck agent (exit code ${code}); stderr:\n${stuck.output().stderr.slice(-2000)}`);
  const record = JSON.parse(readFileSync(join(stuck.stateDir, STALL_FILE), 'utf8')) as { stalledForMs: number };
  assert.ok(record.stalledForMs >= 2000, JSON.stringify(record));
  assert.match(stuck.output().stderr, /event loop stalled/);

  // The service manager's restart, played by the test: same state dir, no blocker.
  const again = await startAgent({ stateDir: stuck.stateDir });
  agents.push(again);
  const event = await again.waitForEvent((e) => e.type === 'agent.error' && e.detail?.operation === 'watchdog');
  assert.match(event.message ?? '', /restarted after its event loop stalled/);
  assert.ok((await again.status()).health.problems.some((p) => /event loop stalled/.test(p)));
  assert.ok(!existsSync(join(stuck.stateDir, STALL_FILE)), 'the stall is reported once');

  const dir = join(scratch, 'banned');
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: '@anthropic-ai/claude-code', version: '9.9.9' }));
  writeFileSync(join(dir, 'cli.js'), 'setInterval(() => {}, 1000);\n');
  banned = spawn(process.execPath, [join(dir, 'cli.js')], { stdio: 'ignore' });
  await again.waitForEvent((e) => e.type === 'block' && e.pid === banned!.pid, 15_000);
});

it('leaves a healthy agent alone and stops cleanly', async () => {
  const agent = await startAgent({ args: ['--watchdog-seconds', '2'] });
  agents.push(agent);
  await new Promise((r) => setTimeout(r, 3000));
  assert.equal((await agent.status()).health.problems.filter((p) => /stalled/.test(p)).length, 0);
  assert.equal(await agent.stop(), 0);
  assert.ok(!existsSync(join(agent.stateDir, STALL_FILE)));
});
