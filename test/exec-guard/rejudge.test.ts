// Re-judging running tools whenever the decision can change: a mode change (monitor → enforce), a granted
// exception, an exception that expires (stopped at its expiry, scheduled, not polled) and one that is revoked.
// Real agent, real policy file changes, real processes.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startAgent, type AgentProcess } from '../support/agent-process.ts';
import { execGuardSkipReason, fakeScriptTool } from '../support/exec-guard-stage.ts';

const skip = execGuardSkipReason();
const scratch = mkdtempSync(join(tmpdir(), 'cordon-rejudge-'));
const policyFile = join(scratch, 'policy.yaml');

function policy(id: string, mode: 'monitor' | 'enforce', exceptions: Array<{ tool: string; expires: Date }> = []): string {
  const ex = exceptions.length ? `exceptions:\n${exceptions.map((e) => `  - tool: ${e.tool}\n    user: root\n    expires: "${e.expires.toISOString()}"\n`).join('')}` : '';
  return `schemaVersion: 1\nid: ${id}\nname: ${id}\nmode: ${mode}\nrules:\n  - id: no-ai-clis\n    tools: [claude-code, codex]\n    action: block\n${ex}`;
}

function exited(child: ChildProcess, timeoutMs: number): Promise<{ signal: NodeJS.Signals | null; at: number } | 'timeout'> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ signal: child.signalCode, at: Date.now() });
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), timeoutMs);
    child.once('exit', (_code, signal) => {
      clearTimeout(timer);
      resolve({ signal, at: Date.now() });
    });
  });
}

const alive = (c: ChildProcess) => c.exitCode === null && c.signalCode === null;

describe('re-judging running tools', { skip }, () => {
  let agent: AgentProcess;
  const running: ChildProcess[] = [];
  after(async () => {
    for (const c of running) c.kill('SIGKILL');
    await agent?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('stops on a mode change what is now blocked, leaves what an exception allows, and stops that at the expiry', async () => {
    writeFileSync(policyFile, policy('p1-monitor', 'monitor'));
    agent = await startAgent({ args: ['--exec-guard', 'on', '--policy', policyFile, '--inventory', 'off'], readyTimeoutMs: 90_000 });
    const claude = spawn(process.execPath, [fakeScriptTool(join(scratch, 'a'))], { stdio: 'ignore' });
    const codex = spawn(process.execPath, [fakeScriptTool(join(scratch, 'b'), '@openai/codex')], { stdio: 'ignore' });
    running.push(claude, codex);
    await agent.waitForEvent((e) => e.type === 'would-block' && e.pid === codex.pid);
    assert.ok(alive(claude) && alive(codex), 'monitor mode stops nothing');

    // Enforce, with an exception for Claude Code only: Codex is stopped, Claude Code is left running.
    const expires = new Date(Date.now() + 30_000);
    writeFileSync(policyFile, policy('p2-enforce-exception', 'enforce', [{ tool: 'claude-code', expires }]));
    const codexEnd = await exited(codex, 25_000);
    assert.notEqual(codexEnd, 'timeout', 'the tool the new mode blocks was not stopped');
    assert.equal(codexEnd !== 'timeout' && codexEnd.signal, 'SIGKILL');
    const stopped = await agent.waitForEvent((e) => e.type === 'block' && e.pid === codex.pid);
    assert.equal(stopped.detail?.rejudged, 'the policy changed');
    assert.ok(alive(claude), 'the tool the exception allows must be left running');

    // At the expiry (scheduled, not polled), Claude Code is stopped.
    const claudeEnd = await exited(claude, expires.getTime() - Date.now() + 10_000);
    assert.notEqual(claudeEnd, 'timeout', 'the tool was not stopped when its exception expired');
    assert.ok(claudeEnd !== 'timeout' && claudeEnd.at >= expires.getTime(), 'stopped before its exception expired');
    const expired = await agent.waitForEvent((e) => e.type === 'block' && e.pid === claude.pid);
    assert.equal(expired.detail?.rejudged, 'an exception expired');
  });

  it('stops a running tool whose exception is revoked by a new policy', async () => {
    writeFileSync(policyFile, policy('p3-exception', 'enforce', [{ tool: 'claude-code', expires: new Date(Date.now() + 3_600_000) }]));
    await agent.waitForEvent((e) => e.type === 'policy.applied' && String(e.message).includes('p3-exception'), 25_000);
    const tool = spawn(process.execPath, [fakeScriptTool(join(scratch, 'c'))], { stdio: 'ignore' });
    running.push(tool);
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok(alive(tool), 'allowed by its exception');
    writeFileSync(policyFile, policy('p4-revoked', 'enforce'));
    const end = await exited(tool, 25_000);
    assert.notEqual(end, 'timeout', 'the tool was not stopped when its exception was revoked');
    const event = await agent.waitForEvent((e) => e.type === 'block' && e.pid === tool.pid);
    assert.equal(event.detail?.rejudged, 'the policy changed');
  });
});
