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
import { after, afterEach, it } from 'node:test';
import { STALL_FILE } from '../../agent/loop-watchdog.ts';
import { startAgent, type AgentProcess } from '../support/agent-process.ts';
import { REPO_ROOT } from '../support/cli.ts';

// The first scan of every process on a loaded 2-core test machine can keep a healthy loop busy for seconds:
// agents meant to be killed get a short watchdog, agents that must not stall a long one.
const STUCK_SECONDS = 5;
const HEALTHY_SECONDS = 20;
/** Start-up under tsx on that machine can take longer than the usual 20 s. */
const READY_MS = 60_000;
const scratch = mkdtempSync(join(tmpdir(), 'cordon-watchdog-'));
const agents: AgentProcess[] = [];
const started: ChildProcess[] = [];

/** A copied npm package of Claude Code: what a working agent stops. Returns its entry script. */
function bannedLookAlike(dir: string): string {
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: '@anthropic-ai/claude-code', version: '9.9.9' }));
  writeFileSync(join(dir, 'cli.js'), 'setInterval(() => {}, 1000);\n');
  return join(dir, 'cli.js');
}

/** Stops every agent and process a test started: two agents scoped to this test would race for the same stop. */
async function stopAll(): Promise<void> {
  for (const p of started.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  for (const a of agents.splice(0)) {
    const kill = setTimeout(() => a.child.kill('SIGKILL'), 5000);
    await a.stop();
    clearTimeout(kill);
  }
}

afterEach(stopAll);
after(() => rmSync(scratch, { recursive: true, force: true }));

it('kills an agent whose loop is stuck, and the restarted agent reports the stall and enforces', async () => {
  const fifo = join(scratch, 'never-written');
  execFileSync('mkfifo', [fifo]);
  const blocker = pathToFileURL(join(REPO_ROOT, 'test/support/loop-blocker.mjs')).href;
  const stuck = await startAgent({ readyTimeoutMs: READY_MS, args: ['--watchdog-seconds', String(STUCK_SECONDS)], env: { NODE_OPTIONS: `--import=${blocker}`, CORDON_TEST_BLOCKING_FIFO: fifo } });
  agents.push(stuck);
  assert.equal((await stuck.status()).mode, 'enforce');
  const exited = once(stuck.child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  stuck.child.kill('SIGUSR2');
  const [code, signal] = await exited;
  assert.equal(signal, 'SIGKILL', `the watchdog kills the stuck agent (exit code ${code}); stderr:\n${stuck.output().stderr.slice(-2000)}`);
  const record = JSON.parse(readFileSync(join(stuck.stateDir, STALL_FILE), 'utf8')) as { stalledForMs: number };
  assert.ok(record.stalledForMs >= STUCK_SECONDS * 1000, JSON.stringify(record));
  assert.match(stuck.output().stderr, /event loop stalled/);

  // The service manager's restart, played by the test: same state dir, no blocker.
  const again = await startAgent({ readyTimeoutMs: READY_MS, stateDir: stuck.stateDir });
  agents.push(again);
  const event = await again.waitForEvent((e) => e.type === 'agent.error' && e.detail?.operation === 'watchdog');
  assert.match(event.message ?? '', /restarted after its event loop stalled/);
  assert.ok((await again.status()).health.problems.some((p) => /event loop stalled/.test(p)));
  assert.ok(!existsSync(join(stuck.stateDir, STALL_FILE)), 'the stall is reported once');

  const banned = spawn(process.execPath, [bannedLookAlike(join(scratch, 'banned'))], { stdio: 'ignore' });
  started.push(banned);
  await again.waitForEvent((e) => e.type === 'block' && e.pid === banned.pid, 15_000);
});

// A hung mount no longer stalls the loop at all: identification reads on threads with a per-read timeout
// (test/agent/hung-mount.test.ts, on a real FUSE mount whose reads never return).

it('leaves a healthy agent alone and stops cleanly', async () => {
  const agent = await startAgent({ readyTimeoutMs: READY_MS, args: ['--watchdog-seconds', String(HEALTHY_SECONDS)] });
  agents.push(agent);
  await new Promise((r) => setTimeout(r, (HEALTHY_SECONDS + 2) * 1000));
  assert.equal((await agent.status()).health.problems.filter((p) => /stalled/.test(p)).length, 0);
  assert.equal(await agent.stop(), 0);
  assert.ok(!existsSync(join(agent.stateDir, STALL_FILE)));
});
