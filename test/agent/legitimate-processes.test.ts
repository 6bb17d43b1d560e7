// "Never harm a legitimate process": real processes whose names, arguments or files mention the banned tools
// run next to an enforcing agent, which in the same window does stop a real Claude Code (the canary, proving
// it was watching). None of them is signalled, and none is even recorded.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { prepareCliSession } from '../support/ai-cli-session.ts';
import { installRealCli } from '../support/real-clis.ts';
import { enforcingStage } from '../support/enforcing-agent.ts';

const root = mkdtempSync(join(tmpdir(), 'cordon-benign-'));
const home = join(root, 'home', 'alice');
const project = join(root, 'projects', 'my-app');
const notes = join(root, 'projects', 'claude-code-notes');
for (const d of [join(home, '.claude'), join(home, 'bin'), project, notes]) mkdirSync(d, { recursive: true });
writeFileSync(join(project, 'CLAUDE.md'), '# Instructions for the team\n');
writeFileSync(join(project, 'server.js'), 'setInterval(() => {}, 1000);\n');
writeFileSync(join(notes, 'index.js'), 'setInterval(() => {}, 1000);\n');
writeFileSync(join(home, '.claude', 'log'), 'old log line\n');
// A user's own script that happens to be called codex.
writeFileSync(join(home, 'bin', 'codex'), '#!/bin/sh\nwhile :; do sleep 1; done\n');
chmodSync(join(home, 'bin', 'codex'), 0o755);

const BENIGN: Array<{ name: string; command: string; args: string[]; cwd?: string }> = [
  // A real vim editing CLAUDE.md in a real pseudo-terminal (script gives it one).
  { name: 'vim CLAUDE.md', command: 'script', args: ['-qfc', 'vim -n CLAUDE.md', '/dev/null'], cwd: project },
  { name: 'less CLAUDE.md', command: 'script', args: ['-qfc', 'less CLAUDE.md', '/dev/null'], cwd: project },
  { name: 'grep codex (reading a pipe)', command: 'grep', args: ['--line-buffered', 'codex'] },
  { name: 'tail -f ~/.claude/log', command: 'tail', args: ['-f', join(home, '.claude', 'log')] },
  { name: 'node server.js --model claude-3', command: process.execPath, args: ['server.js', '--model', 'claude-3'], cwd: project },
  { name: 'node in a folder named claude-code-notes', command: process.execPath, args: [join(notes, 'index.js')] },
  { name: "the user's own script called codex", command: join(home, 'bin', 'codex'), args: [] },
  { name: 'python3 with gemini in its arguments', command: 'python3', args: ['-c', 'import time\nwhile True: time.sleep(1)', 'gemini', '--model', 'gemini-2.5-pro'] },
  { name: 'sleep renamed to claude (exec -a)', command: 'bash', args: ['-c', 'exec -a claude sleep 300'] },
  { name: 'sh -c mentioning @anthropic-ai/claude-code', command: 'sh', args: ['-c', 'while :; do sleep 1; done # npm i -g @anthropic-ai/claude-code'] },
];

const stage = enforcingStage('cordon-benign-agent-');
const running: Array<{ name: string; child: ChildProcess }> = [];
after(() => {
  for (const { child } of running) child.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});
after(async () => {
  for (const { child } of running) child.kill('SIGKILL');
  await stage.agent.stop();
  await stage.recorder.close();
  rmSync(root, { recursive: true, force: true });
});

it('leaves every look-alike running and unrecorded while it stops the real tool', async () => {
  for (const b of BENIGN) {
    const child = spawn(b.command, b.args, { cwd: b.cwd ?? root, env: { ...process.env, HOME: home, TERM: 'xterm' }, stdio: ['pipe', 'ignore', 'ignore'] });
    running.push({ name: b.name, child });
  }
  // Several of the agent's ticks pass over them (each process is evaluated once, on first sight).
  await new Promise((r) => setTimeout(r, 1500));

  const claude = installRealCli('claude-code');
  const session = prepareCliSession('claude-code', join(root, 'canary-home'), stage.recorder.url);
  const canary = spawn(claude.bin, session.args, { env: session.env, stdio: 'ignore' });
  const canaryExit = await new Promise<NodeJS.Signals | null>((resolve) => canary.once('exit', (_c, s) => resolve(s)));
  assert.equal(canaryExit, 'SIGKILL', 'the canary (real Claude Code) was not stopped: the agent was not enforcing');
  await new Promise((r) => setTimeout(r, 500));

  for (const { name, child } of running) {
    assert.equal(child.exitCode, null, `${name} exited (code ${child.exitCode})`);
    assert.equal(child.signalCode, null, `${name} was killed by ${child.signalCode}`);
  }
  const benignPids = new Set(running.map((r) => r.child.pid));
  const events = await stage.agent.events();
  const touched = events.filter((e) => e.pid !== undefined && e.type !== 'block' && e.type !== 'agent.started');
  assert.deepEqual(touched, [], 'no look-alike may even be recorded');
  assert.ok(!events.some((e) => e.pid !== undefined && (benignPids.has(e.pid) || benignPids.has(e.ppid ?? -1))), 'an event names a look-alike');
  assert.ok(events.some((e) => e.type === 'block' && e.pid === canary.pid && e.toolId === 'claude-code'));
});
