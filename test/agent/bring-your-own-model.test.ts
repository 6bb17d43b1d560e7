// Bring your own model, end to end with the real CLIs on loopback: a "gateway" recorder the policy allows and a
// "vendor" recorder it does not. A tool set to send to the gateway runs and its requests reach the gateway only;
// set to the vendor (in its environment or its settings files), or with settings Cordon cannot read, it is
// stopped and the vendor recorder stays empty. Where the agent writes the vendors' managed settings (Claude Code,
// Codex; in a private /etc, see test/support/private-etc.ts), the tool is pinned to the gateway whatever the user
// set, and removing the rule removes the settings.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startAgent, type AgentProcess } from '../support/agent-process.ts';
import { prepareCliSession, type CliSession } from '../support/ai-cli-session.ts';
import { exitOf } from '../support/child-exit.ts';
import { inMountNamespaceOf, privateEtcUnavailable, privateEtcWrap } from '../support/private-etc.ts';
import { installRealCli, type InstalledCli, type RealCliId } from '../support/real-clis.ts';
import { RequestRecorder } from '../support/request-recorder.ts';
import { waitFor } from '../support/wait-for.ts';
import { formatStatus } from '../../cli/status-report.ts';

const CLIS = ['claude-code', 'codex', 'qwen-code', 'gemini-cli'] as const satisfies readonly RealCliId[];
type Cli = (typeof CLIS)[number];

const scratch = mkdtempSync(join(tmpdir(), 'cordon-byom-'));
const installed = new Map<Cli, InstalledCli>();
let gateway: RequestRecorder;
let vendor: RequestRecorder;
let policyFile: string;

function policyText(withGatewayRule: boolean): string {
  return `schemaVersion: 1
id: byom
name: Through the gateway only
mode: enforce
rules:
${withGatewayRule ? `  - id: via-gateway
    tools: [${CLIS.join(', ')}]
    action: allow
    when:
      endpoints: ["${gateway.url}/*"]
` : ''}  - id: everything-else
    tools: ["*"]
    action: block
    reason: { en: "{tool} may only be used through the model gateway." }
`;
}

before(async () => {
  for (const id of CLIS) installed.set(id, installRealCli(id));
  gateway = await RequestRecorder.start();
  vendor = await RequestRecorder.start();
  policyFile = join(scratch, 'policy.yaml');
  writeFileSync(policyFile, policyText(true));
});
after(async () => {
  await gateway?.close();
  await vendor?.close();
  rmSync(scratch, { recursive: true, force: true });
});

let homes = 0;
/** A fresh home with the CLI's session set up for `url` (its vendor variable or, for Codex, its config). */
function session(id: Cli, url: string): CliSession & { home: string } {
  const home = join(scratch, `home-${id}-${++homes}`);
  return { ...prepareCliSession(id, home, url), home };
}

/** Starts the CLI in its own process group, optionally through a command prefix (a mount namespace). */
function launch(id: Cli, s: CliSession, prefix: string[] = []) {
  const [command, ...args] = [...prefix, installed.get(id)!.bin, ...s.args];
  const child = spawn(command!, args, { env: s.env, cwd: scratch, stdio: 'ignore', detached: true });
  return { child, exit: exitOf(child, 60_000), kill: () => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } } };
}

/** The CLI runs: its first request reaches the gateway, none reaches the vendor, and the agent stops nothing. */
async function expectReachesGatewayOnly(agent: AgentProcess, id: Cli, s: CliSession, prefix: string[] = []): Promise<void> {
  const since = Date.now();
  const run = launch(id, s, prefix);
  try {
    const first = await gateway.firstSince(since, 45_000);
    assert.ok(first, `${id} never reached the gateway`);
    await new Promise((r) => setTimeout(r, 500)); // a block would have come by now (the watcher looks every 100 ms)
    const blocks = (await agent.events()).filter((e) => e.type === 'block' && (e.pid === run.child.pid || e.ppid === run.child.pid));
    assert.deepEqual(blocks.map((e) => e.message), [], `${id} was stopped although it sends to the gateway`);
  } finally {
    run.kill();
    await run.exit;
  }
  assert.deepEqual(vendor.since(since), [], `${id} reached the vendor`);
}

/** The CLI is stopped (SIGKILL), the block event says why, and nothing reached the vendor. */
async function expectStopped(agent: AgentProcess, id: Cli, s: CliSession): Promise<Record<string, unknown>> {
  const since = Date.now();
  const run = launch(id, s);
  const exit = await exitOf(run.child, 30_000);
  run.kill();
  assert.ok(!exit.timedOut, `${id} still ran after 30 s`);
  const pid = run.child.pid;
  const event = await agent.waitForEvent((e) => e.type === 'block' && (e.pid === pid || e.ppid === pid), 15_000);
  assert.equal(event.toolId, id);
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(vendor.since(since), [], `${id} reached the vendor before it was stopped`);
  assert.equal(event.ruleId, 'everything-else');
  assert.equal(event.detail?.endpointRule, 'via-gateway');
  return event.detail ?? {};
}

describe('scoped agent, no managed settings: the endpoint decides', () => {
  let agent: AgentProcess;
  before(async () => {
    agent = await startAgent({ args: ['--policy', policyFile], readyTimeoutMs: 90_000 });
  });
  after(async () => {
    assert.equal(await agent.stop(), 0);
  });

  for (const id of CLIS) {
    it(`${id} set to send to the gateway runs, and its requests reach the gateway only`, async () => {
      await expectReachesGatewayOnly(agent, id, session(id, gateway.url));
    });

    it(`${id} set to send to the vendor is stopped, and the event names where it was set to send`, async () => {
      const detail = await expectStopped(agent, id, session(id, vendor.url));
      assert.match(String(detail.endpoint), new RegExp(`^${vendor.url}`));
      assert.ok(detail.endpointSetIn, 'the event says where the endpoint was set');
    });
  }

  it('claude-code with the gateway in its environment but ~/.claude/settings.json pointing to the vendor is stopped', async () => {
    const s = session('claude-code', gateway.url);
    mkdirSync(join(s.home, '.claude'), { recursive: true });
    writeFileSync(join(s.home, '.claude', 'settings.json'), JSON.stringify({ env: { ANTHROPIC_BASE_URL: vendor.url } }));
    const detail = await expectStopped(agent, 'claude-code', s);
    assert.equal(detail.endpointSetIn, 'env.ANTHROPIC_BASE_URL in ~/.claude/settings.json');
  });

  it('qwen-code with the gateway in its environment but ~/.qwen/settings.json pointing to the vendor is stopped', async () => {
    const s = session('qwen-code', `${gateway.url}/v1`);
    mkdirSync(join(s.home, '.qwen'), { recursive: true });
    writeFileSync(join(s.home, '.qwen', 'settings.json'), JSON.stringify({ security: { auth: { baseUrl: vendor.url } } }));
    const detail = await expectStopped(agent, 'qwen-code', s);
    assert.equal(detail.endpointSetIn, 'security.auth.baseUrl in ~/.qwen/settings.json');
  });

  it('gemini-cli with the gateway in its environment but logged in with Google in its settings is stopped', async () => {
    const s = session('gemini-cli', gateway.url);
    writeFileSync(join(s.home, '.gemini', 'settings.json'), JSON.stringify({ security: { auth: { selectedType: 'oauth-personal' } } }));
    const detail = await expectStopped(agent, 'gemini-cli', s);
    assert.match(String(detail.endpointUnknown), /security.auth.selectedType in ~\/.gemini\/settings.json/);
  });

  it('an unreadable settings file (a FIFO, unparseable JSON) fails closed, with the reason in the event', async () => {
    const fifo = session('qwen-code', `${gateway.url}/v1`);
    mkdirSync(join(fifo.home, '.qwen'), { recursive: true });
    execFileSync('mkfifo', [join(fifo.home, '.qwen', 'settings.json')]);
    // Qwen itself would block reading the FIFO; the agent must neither block nor allow.
    const detail = await expectStopped(agent, 'qwen-code', fifo);
    assert.equal(detail.endpointUnknown, '~/.qwen/settings.json is not a regular file');

    const broken = session('claude-code', gateway.url);
    mkdirSync(join(broken.home, '.claude'), { recursive: true });
    writeFileSync(join(broken.home, '.claude', 'settings.json'), '{"env": {');
    const why = await expectStopped(agent, 'claude-code', broken);
    assert.match(String(why.endpointUnknown), /^~\/.claude\/settings.json cannot be parsed/);
  });

  for (const lang of ['en_US.UTF-8', 'zh_CN.UTF-8']) {
    it(`the terminal explanation names where Claude Code was set to send and how to fix it (${lang})`, async () => {
      const s = session('claude-code', vendor.url);
      // A real pseudo-terminal (util-linux script); the binary's path travels in the environment, not the shell string.
      const child = spawn('script', ['-qfec', '"$CLAUDE_BIN" -p "say hello"', '/dev/null'], {
        env: { ...s.env, LANG: lang, LC_ALL: lang, CLAUDE_BIN: installed.get('claude-code')!.bin, SHELL: '/bin/sh' },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let screen = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (screen += d));
      const exit = await exitOf(child, 30_000);
      screen = screen.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '');
      assert.equal(exit.code, 137, `not stopped; the terminal showed:\n${screen}`);
      const host = vendor.url.slice('http://'.length);
      if (lang.startsWith('en')) {
        assert.ok(screen.includes(`This Claude Code was set to send to ${host} (ANTHROPIC_BASE_URL in its environment); it is allowed only through ${gateway.url}.`), screen);
        assert.ok(screen.includes(`To fix: point it at ${gateway.url} and remove any other endpoint setting, then start it again.`), screen);
      } else {
        assert.ok(screen.includes(`此 Claude Code 被设置为发送到 ${host}（ANTHROPIC_BASE_URL in its environment）；仅允许通过 ${gateway.url} 使用。`), screen);
        assert.ok(screen.includes(`解决方法：将其指向 ${gateway.url} 并删除其他端点设置，然后重新启动。`), screen);
      }
    });
  }

  it('cordon status says the tools are allowed through the gateway only', async () => {
    const text = formatStatus(await agent.status(), 'en');
    assert.match(text, new RegExp(`allowed through ${gateway.url.replace(/[.]/g, '\\.')} only: Claude Code, Gemini CLI, OpenAI Codex CLI, Qwen Code`));
    assert.match(formatStatus(await agent.status(), 'en', { tool: 'codex' }), /OpenAI Codex CLI \(OpenAI\) — allowed through http:\/\/127\.0\.0\.1:\d+ only/);
  });
});

const noPrivateEtc = privateEtcUnavailable();
describe('machine-wide managed settings written by the agent pin the tools to the gateway', { skip: noPrivateEtc }, () => {
  let agent: AgentProcess;
  let inAgentMounts: string[];
  const managed = (path: string) => `/proc/${agent.child.pid}/root${path}`;
  before(async () => {
    writeFileSync(policyFile, policyText(true));
    agent = await startAgent({ args: ['--policy', policyFile, '--managed-settings', 'on'], wrap: privateEtcWrap(scratch), readyTimeoutMs: 90_000 });
    inAgentMounts = inMountNamespaceOf(agent.child.pid!);
    await waitFor(() => existsSync(managed('/etc/claude-code/managed-settings.json')), 'the managed settings written');
  });
  after(async () => {
    assert.equal(await agent.stop(), 0);
  });

  it('the files say the gateway, root-owned, and the machine\'s own /etc is untouched', () => {
    assert.deepEqual(JSON.parse(readFileSync(managed('/etc/claude-code/managed-settings.json'), 'utf8')), { env: { ANTHROPIC_BASE_URL: gateway.url } });
    assert.match(readFileSync(managed('/etc/codex/managed_config.toml'), 'utf8'), new RegExp(`base_url = "${gateway.url}"`));
    assert.equal(existsSync('/etc/claude-code/managed-settings.json'), false);
  });

  it('claude-code with the gateway in its environment and the vendor in ~/.claude/settings.json: requests reach the gateway only', async () => {
    const s = session('claude-code', gateway.url);
    mkdirSync(join(s.home, '.claude'), { recursive: true });
    writeFileSync(join(s.home, '.claude', 'settings.json'), JSON.stringify({ env: { ANTHROPIC_BASE_URL: vendor.url } }));
    await expectReachesGatewayOnly(agent, 'claude-code', s, inAgentMounts);
  });

  it('codex with its user config.toml pointing to the vendor: requests reach the gateway only', async () => {
    await expectReachesGatewayOnly(agent, 'codex', session('codex', vendor.url), inAgentMounts);
  });

  it('a user\'s change to the managed file is put back and recorded', async () => {
    // Root in the namespace stands in for anyone who managed to write it; the agent restores its key.
    writeFileSync(managed('/etc/claude-code/managed-settings.json'), JSON.stringify({ env: { ANTHROPIC_BASE_URL: vendor.url } }));
    await agent.waitForEvent((e) => e.type === 'managed-settings' && e.detail?.change === 'restored', 15_000);
    assert.deepEqual(JSON.parse(readFileSync(managed('/etc/claude-code/managed-settings.json'), 'utf8')), { env: { ANTHROPIC_BASE_URL: gateway.url } });
  });

  it('removing the rule removes the managed settings the agent wrote', async () => {
    writeFileSync(policyFile, policyText(false));
    await waitFor(() => !existsSync(managed('/etc/claude-code/managed-settings.json')) && !existsSync(managed('/etc/codex/managed_config.toml')), 'the managed settings removed', 20_000);
    const removed = (await agent.events()).filter((e) => e.type === 'managed-settings' && e.detail?.change === 'removed');
    assert.equal(removed.length, 2, JSON.stringify(removed));
  });
});
