// Tools added to the catalog in issue 18, installed from the npm registry and started for real: the running
// agent (scoped to this test process) stops Kimi Code, the Claude binary that the Claude Agent SDK ships (reported
// as Claude Code), and the CodeBuddy CLI that @tencent-ai/agent-sdk ships and spawns (reported as CodeBuddy Code).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startAgent, type AgentProcess } from '../support/agent-process.ts';
import { installNpmGlobal } from '../support/real-clis.ts';
import { exitOf } from '../support/child-exit.ts';

const KIMI = { pkg: '@moonshot-ai/kimi-code', version: '2.1.0', bin: 'kimi' };
const SDK = { pkg: '@anthropic-ai/claude-agent-sdk', version: '0.3.333', bin: 'claude' };
// No bin: the SDK runs `node cli/dist/codebuddy-headless.js` (lib/transport/process-transport.js).
const TENCENT_SDK = { pkg: '@tencent-ai/agent-sdk', version: '0.3.201', bin: 'codebuddy' };

const scratch = mkdtempSync(join(tmpdir(), 'cordon-new-catalog-'));
let agent: AgentProcess;
let kimiBin = '';
let sdkClaude = '';
let codebuddyHeadless = '';

before(async () => {
  kimiBin = installNpmGlobal('kimi-code', KIMI).bin;
  const sdk = installNpmGlobal('claude-agent-sdk', SDK);
  sdkClaude = join(sdk.packageDir, 'node_modules', '@anthropic-ai', 'claude-agent-sdk-linux-x64', 'claude');
  codebuddyHeadless = join(installNpmGlobal('codebuddy-agent-sdk', TENCENT_SDK).packageDir, 'cli', 'dist', 'codebuddy-headless.js');
  agent = await startAgent();
});
after(async () => {
  assert.equal(await agent.stop(), 0);
  rmSync(scratch, { recursive: true, force: true });
});

describe('enforce mode stops the new tools when they run', () => {
  const env = (home: string): NodeJS.ProcessEnv => {
    mkdirSync(home, { recursive: true });
    // Nowhere to send anything: loopback port 9 (discard) refuses, so nothing leaves the machine either way.
    return { PATH: process.env.PATH, HOME: home, TERM: 'xterm-256color', KIMI_BASE_URL: 'http://127.0.0.1:9', ANTHROPIC_BASE_URL: 'http://127.0.0.1:9', ANTHROPIC_API_KEY: 'sk-ant-cordon-test', DISABLE_AUTOUPDATER: '1', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1', CODEBUDDY_BASE_URL: 'http://127.0.0.1:9', CODEBUDDY_API_KEY: 'cordon-test' };
  };

  it(`${KIMI.pkg}@${KIMI.version}: \`kimi\` from a global npm install is stopped as kimi-code`, async () => {
    const child = spawn(kimiBin, ['-p', 'say hello'], { env: env(join(scratch, 'home-kimi')), cwd: scratch, stdio: 'ignore' });
    const exit = await exitOf(child, 20_000);
    assert.ok(!exit.timedOut, 'still running after 20 s: the agent did not stop it');
    assert.equal(exit.signal, 'SIGKILL', `exited by itself (code ${exit.code}) instead of being stopped`);
    const event = await agent.waitForEvent((e) => e.type === 'block' && e.pid === child.pid);
    assert.equal(event.toolId, 'kimi-code');
  });

  it(`${SDK.pkg}@${SDK.version}: the SDK's embedded Claude binary run directly is stopped as claude-code`, async () => {
    assert.ok(existsSync(sdkClaude), `npm did not install the linux-x64 platform package: ${sdkClaude}`);
    const child = spawn(sdkClaude, ['-p', 'say hello'], { env: env(join(scratch, 'home-sdk')), cwd: scratch, stdio: 'ignore' });
    const exit = await exitOf(child, 20_000);
    assert.ok(!exit.timedOut, 'still running after 20 s: the agent did not stop it');
    assert.equal(exit.signal, 'SIGKILL', `exited by itself (code ${exit.code}) instead of being stopped`);
    const event = await agent.waitForEvent((e) => e.type === 'block' && e.pid === child.pid);
    assert.equal(event.toolId, 'claude-code');
  });

  it(`${TENCENT_SDK.pkg}@${TENCENT_SDK.version}: the CodeBuddy CLI the SDK spawns is stopped as codebuddy-code`, async () => {
    // Without an agent this process waits on the unreachable service for more than 30 s (measured), so an exit by
    // SIGKILL is the agent's doing.
    const child = spawn(process.execPath, [codebuddyHeadless, '-p', 'say hello'], { env: env(join(scratch, 'home-codebuddy')), cwd: scratch, stdio: 'ignore' });
    const exit = await exitOf(child, 20_000);
    assert.ok(!exit.timedOut, 'still running after 20 s: the agent did not stop it');
    assert.equal(exit.signal, 'SIGKILL', `exited by itself (code ${exit.code}) instead of being stopped`);
    const event = await agent.waitForEvent((e) => e.type === 'block' && e.pid === child.pid);
    assert.equal(event.toolId, 'codebuddy-code');
  });
});
