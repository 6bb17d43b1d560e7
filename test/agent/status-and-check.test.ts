// `cordon status` and `cordon check` as a developer on an SSH session uses them, against a real agent and a real
// Claude Code process.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import type { AgentStatus } from '../../agent/status-types.ts';
import { prepareCliSession } from '../support/ai-cli-session.ts';
import { runCordon } from '../support/cli.ts';
import { installRealCli } from '../support/real-clis.ts';
import { enforcingStage } from '../support/enforcing-agent.ts';

const stage = enforcingStage('cordon-status-');

it('status says the machine is protected, shows the stop that just happened, and explains one tool in full', async () => {
  const claude = installRealCli('claude-code');
  const session = prepareCliSession('claude-code', join(stage.scratch, 'home'), stage.recorder.url);
  const child = spawn(claude.bin, session.args, { env: session.env, stdio: 'ignore' });
  await new Promise((r) => child.once('exit', r));
  await stage.agent.waitForEvent((e) => e.type === 'block' && e.pid === child.pid);

  const plain = runCordon(['status', '--socket', stage.agent.socket], { env: { LANG: 'en_US.UTF-8' } });
  assert.equal(plain.status, 0, plain.stderr);
  assert.match(plain.stdout, /^Protected: restricted AI coding tools are stopped on launch/);
  assert.match(plain.stdout, /Claude Code was stopped \d+ s ago/);
  assert.match(plain.stdout, new RegExp(`stopped Claude Code \\(pid ${child.pid}`));
  assert.match(plain.stdout, /Policy\s+Cordon built-in default \(cordon-default, built-in\) · enforce/);
  assert.match(plain.stdout, /blocked: .*Claude Code.*Gemini CLI/);

  const tool = runCordon(['status', '--socket', stage.agent.socket, '--tool', 'claude-code'], { env: { LANG: 'zh_CN.UTF-8', LC_ALL: '' } });
  assert.equal(tool.status, 0);
  assert.match(tool.stdout, /^Claude Code \(Anthropic\) — blocked/);
  assert.match(tool.stdout, /Why: Claude Code 会把它处理的代码发送到公司外部的 Anthropic/);
  assert.match(tool.stdout, /Ask for an exception: cordon request-exception claude-code/);

  const json = runCordon(['status', '--socket', stage.agent.socket, '--json']);
  const status = JSON.parse(json.stdout) as AgentStatus;
  // The inventory's first pass may report the same install (install-found) after the stop: look for the stop.
  const stop = status.recentEvents.find((e) => e.type === 'block');
  assert.equal(stop?.pid, child.pid, JSON.stringify(status.recentEvents.slice(0, 5)));
});

it('status explains what is missing when no agent runs, with exit 1', () => {
  const r = runCordon(['status', '--socket', join(stage.scratch, 'nobody-here.sock')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /the Cordon agent is not running \(nothing listens on .*nobody-here\.sock\)/);
  assert.match(r.stderr, /not protecting this machine right now/);
});

it('check finds a running Claude Code (exit 3) and respects a policy that allows it (exit 0)', async () => {
  await stage.agent.stop(); // nothing may stop the tool while it is being checked
  const claude = installRealCli('claude-code');
  const session = prepareCliSession('claude-code', join(stage.scratch, 'home-check'), stage.recorder.url);
  const child = spawn(claude.bin, session.args, { env: session.env, stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 50));
  process.kill(child.pid!, 'SIGSTOP'); // held in place, so it neither exits nor sends anything meanwhile
  try {
    const found = runCordon(['check', '--json']);
    assert.equal(found.status, 3, found.stderr);
    const report = JSON.parse(found.stdout) as { findings: Array<{ pid: number; toolId: string; action: string }> };
    assert.ok(report.findings.some((f) => f.pid === child.pid && f.toolId === 'claude-code' && f.action === 'block'), found.stdout);

    const allowing = join(stage.scratch, 'allow.yaml');
    writeFileSync(allowing, 'schemaVersion: 1\nid: allow-claude\nname: Claude allowed\nmode: enforce\nrules:\n  - id: allow\n    tools: [claude-code]\n    action: allow\n');
    const allowed = runCordon(['check', '--policy', allowing]);
    assert.equal(allowed.status, 0, allowed.stdout + allowed.stderr);
    const plain = runCordon(['check']);
    assert.match(plain.stdout, new RegExp(`pid ${child.pid}\\s+root\\s+Claude Code\\s+block`));
  } finally {
    process.kill(child.pid!, 'SIGKILL');
  }
});
