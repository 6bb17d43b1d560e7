// The status window in real Chromium, fed by real agents (one per state) through the test bridge.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { AgentEvent } from '../../agent/status-types.ts';
import { REPO_ROOT } from '../support/cli.ts';
import { startAgent, type AgentProcess } from '../support/agent-process.ts';
import { startNpmLayoutProcess } from '../support/npm-layout-process.ts';
import { waitFor } from '../support/wait-for.ts';
import { startStatusPageServer, type StatusPageServer } from './status-page-server.ts';
import { requireSystemPart } from '../support/system-part.ts';
import { CHROMIUM, launchChromium, openStatusPage, sendShowEvent, waitForStatusPushes, type PageOptions } from './test-bridge.ts';

const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');

/** What the status window may load, written out: its own files only, no inline code, no network, no framing. */
const STRICT_CSP: Record<string, string | undefined> = {
  'default-src': "'none'",
  'script-src': "'self'",
  'style-src': "'self'",
  'img-src': "'self' data:",
  'font-src': "'self'",
  'connect-src': "'none'",
  'object-src': "'none'",
  'base-uri': "'none'",
  'form-action': "'none'",
  'frame-ancestors': "'none'",
};
function cspDirectives(csp: string): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = Object.fromEntries(Object.keys(STRICT_CSP).map((k) => [k, undefined]));
  for (const part of csp.split(';').map((p) => p.trim()).filter(Boolean)) {
    const [name, ...values] = part.split(/\s+/);
    out[name!] = values.join(' ');
  }
  return out;
}
const ACME = join(REPO_ROOT, 'policy/examples/acme.yaml');
const BOTH: PageOptions[] = [
  { locale: 'en', colorScheme: 'light' },
  { locale: 'zh-CN', colorScheme: 'dark' },
];

const skip = requireSystemPart({ binary: CHROMIUM.executablePath, debianPackage: 'chromium' });
let browser: Browser;
before(async () => {
  if (skip) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await launchChromium();
});
after(async () => {
  if (!skip) await browser.close();
});

/** One real agent and the page server in front of it, for one group of tests. */
function withAgent(args: string[]) {
  const ctx = {} as { agent: AgentProcess; server: StatusPageServer };
  before(async () => {
    ctx.agent = await startAgent({ args });
    ctx.server = await startStatusPageServer(ctx.agent.socket);
  });
  after(async () => {
    await ctx.server.close();
    assert.equal(await ctx.agent.stop(), 0, JSON.stringify(ctx.agent.output()));
  });
  return ctx;
}

async function shoot(page: Page, name: string, o: PageOptions): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `status-${name}-${o.locale}-${o.colorScheme}.png`), fullPage: true });
}

async function expectState(page: Page, state: string): Promise<void> {
  await page.waitForSelector(`header[data-state="${state}"]`, { timeout: 20_000 });
}

async function headline(page: Page): Promise<{ label: string; sentence: string }> {
  return { label: await page.locator('#state-label').innerText(), sentence: await page.locator('#state-sentence').innerText() };
}

/** Starts a process laid out as the real npm package, and waits until the agent has recorded what it did. */
async function runTool(agent: AgentProcess, pkg: string, bin: string, type: AgentEvent['type']): Promise<AgentEvent> {
  const child = startNpmLayoutProcess(pkg, bin);
  try {
    return await agent.waitForEvent((e) => e.pid === child.pid && e.type === type, 20_000);
  } finally {
    child.kill('SIGKILL');
  }
}

describe('protected: enforcing a local policy, nothing blocked yet', { skip }, () => {
  const ctx = withAgent(['--policy', ACME]);

  for (const o of BOTH) {
    test(`shows the state, restricted tools with reasons, and the help-desk facts (${o.locale}, ${o.colorScheme})`, async () => {
      const { context, page } = await openStatusPage(browser, ctx.server.url, o);
      const errors: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(e.message));
      await expectState(page, 'protected');
      const h = await headline(page);
      const zh = o.locale === 'zh-CN';
      assert.equal(h.label, zh ? 'Cordon — 已受保护' : 'Cordon — Protected');
      assert.equal(await page.locator('html').getAttribute('lang'), o.locale);
      assert.equal(await page.locator('#recent-empty').innerText(), zh ? '最近没有阻止任何工具。' : 'Nothing has been blocked recently.');
      // Every restricted tool from the real agent's status is listed, with the policy's reason in this language.
      const tools = (await ctx.agent.status()).restrictedTools;
      assert.equal(await page.locator('#tools > li').count(), tools.length);
      const codex = page.locator('details[data-tool-id="codex"]');
      await codex.locator('summary').click();
      assert.match(await codex.innerText(), zh ? /原因：OpenAI Codex CLI 会把读取的代码上传到 OpenAI/ : /uploads the code it reads to OpenAI/);
      assert.match(await codex.innerText(), /ACME Code Assistant/);
      const facts = await page.locator('#facts').innerText();
      assert.match(facts, /ACME engineering workstations \(acme-engineering/);
      assert.match(facts, zh ? /未连接服务器/ : /not connected to a server/);
      assert.match(facts, zh ? /设备 ID\s+未注册/ : /Device ID\s+not enrolled/);
      assert.match(facts, /0\.1\.0 \(linux/);
      // The OS theme decides the palette.
      const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      assert.equal(background, o.colorScheme === 'dark' ? 'rgb(21, 24, 30)' : 'rgb(246, 247, 249)');
      // Every form control has a visible label, in this language.
      for (const label of zh ? ['工具', '业务原因', '天数（1–90）'] : ['Tool', 'Business reason', 'For how many days (1–90)']) assert.equal(await page.getByLabel(label, { exact: true }).count(), 1, label);
      await shoot(page, 'protected', o);
      assert.deepEqual(errors, [], 'no script errors or CSP violations');
      await context.close();
    });
  }

  test('copy diagnostics and policy links go through the bridge; other links are refused', async () => {
    const o = BOTH[0]!;
    const { context, page } = await openStatusPage(browser, ctx.server.url, o);
    await page.locator('#copy-diagnostics').click();
    await page.waitForFunction(() => document.querySelector('#facts-result')?.textContent !== '');
    assert.equal(await page.locator('#facts-result').innerText(), 'Diagnostics copied to the clipboard.');
    // What the app's copy-diagnostics handler put on the clipboard, reached through the preload's IPC call.
    const copied = ctx.server.clipboard.at(-1);
    assert.match(copied!, /^policy: acme-engineering "ACME engineering workstations" from file/m);
    assert.match(copied!, /^agent: 0\.1\.0, pid \d+/m);

    const codex = page.locator('details[data-tool-id="codex"]');
    await codex.locator('summary').click();
    await codex.getByRole('link', { name: 'Learn more' }).click();
    await codex.getByRole('link', { name: /ACME Code Assistant/ }).click();
    assert.deepEqual(ctx.server.opened.slice(-2), ['https://intranet.acme.example/security/ai-coding-tools', 'https://ai.acme.example']);
    assert.equal(page.url(), `${ctx.server.url}/status.html`, 'the window itself never navigates');
    const refused = await page.evaluate(() => Promise.all(['https://evil.example/', 'file:///etc/passwd', 'javascript:alert(1)'].map((u) => window.cordon.openExternal(u))));
    assert.deepEqual(refused, [false, false, false]);
    await context.close();
  });

  test('CSP: the header and the meta tag are present, inline script does not run, the page cannot connect anywhere', async () => {
    const { context, page } = await openStatusPage(browser, ctx.server.url, BOTH[0]!);
    const response = await page.request.get(`${ctx.server.url}/status.html`);
    // The header as the app's cordon-app:// handler sends it (the page server answers through that handler), read
    // for what it allows rather than compared with the constant it is built from.
    const header = cspDirectives(response.headers()['content-security-policy'] ?? '');
    assert.deepEqual(header, STRICT_CSP);
    assert.doesNotMatch(response.headers()['content-security-policy']!, /unsafe-|\*|https?:|blob:/);
    assert.equal(response.headers()['x-content-type-options'], 'nosniff');
    // The meta tag repeats it, less frame-ancestors (which a meta tag cannot carry).
    const meta = cspDirectives((await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content')) ?? '');
    assert.deepEqual(meta, { ...STRICT_CSP, 'frame-ancestors': undefined });
    const html = await response.text();
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
    assert.doesNotMatch(html, /\sstyle=|\son\w+=/, 'no inline styles or handlers');
    const result = await page.evaluate(async (base) => {
      const s = document.createElement('script');
      s.textContent = 'window.__injected = true';
      document.body.append(s);
      const fetched = await fetch(`${base}/status.css`).then(
        () => 'fetched',
        () => 'blocked',
      );
      return { injected: (window as unknown as { __injected?: boolean }).__injected === true, fetched };
    }, ctx.server.url);
    assert.deepEqual(result, { injected: false, fetched: 'blocked' });
    await context.close();
  });

  test('exception request by keyboard alone: tool, reason, days, and the agent’s answer', async () => {
    const { context, page } = await openStatusPage(browser, ctx.server.url, BOTH[0]!);
    const focused = () => page.evaluate(() => {
      const a = document.activeElement as HTMLElement | null;
      return a ? `${a.tagName.toLowerCase()}${a.id ? `#${a.id}` : ''}:${(a.getAttribute('aria-label') ?? a.textContent ?? '').trim().slice(0, 100)}` : '';
    });
    await page.keyboard.press('Tab');
    assert.equal(await focused(), 'a#skip:Skip to restricted tools');
    await page.keyboard.press('Enter');
    assert.equal(await focused(), 'h2#tools-heading:Restricted tools');
    await page.keyboard.press('Tab');
    assert.match(await focused(), /^summary:Aider, .*: Blocked$/);
    await page.keyboard.press('Enter');
    assert.equal(await page.locator('details[data-tool-id="aider"]').getAttribute('open'), '');
    // Status refreshes keep arriving; they must not take the focus away or close what the user opened.
    await waitForStatusPushes(page, 2);
    assert.match(await focused(), /^summary:Aider, /);
    assert.equal(await page.locator('details[data-tool-id="aider"]').getAttribute('open'), '');
    await page.keyboard.press('Tab');
    assert.match(await focused(), /^a:ACME Code Assistant/);
    await page.keyboard.press('Tab');
    assert.equal(await focused(), 'a:Learn more');
    await page.keyboard.press('Tab');
    assert.equal(await focused(), 'button:Request an exception: Aider');
    await page.keyboard.press('Enter');
    assert.equal(await focused(), 'textarea#exception-reason:');
    assert.equal(await page.locator('#exception-tool').inputValue(), 'aider');

    // Missing reason: said in words, marked invalid, focus returned to the field.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    assert.equal(await page.locator('#exception-result').innerText(), 'Give a business reason.');
    assert.equal(await page.locator('#exception-reason').getAttribute('aria-invalid'), 'true');
    assert.equal(await focused(), 'textarea#exception-reason:');

    await page.keyboard.type('Evaluating Aider for the SEC-4411 migration spike');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('120');
    await page.keyboard.press('Enter');
    assert.equal(await page.locator('#exception-result').innerText(), 'Choose between 1 and 90 days.');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('7');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    // This agent has no server to file it with; the window shows the agent's own answer and where to ask.
    await page.waitForFunction(() => document.querySelector('#exception-result')?.getAttribute('data-ok') === 'false' && !document.querySelector('#exception-result')?.textContent?.includes('…'));
    assert.equal(
      await page.locator('#exception-result').innerText(),
      'The request was not sent: this agent is not connected to a Cordon server, so it cannot file a request for aider; ask at https://intranet.acme.example/security/ai-coding-tools/exception',
    );
    await shoot(page, 'exception-answer', BOTH[0]!);
    await context.close();
  });
});

describe('blocked-recently: the agent has just stopped two tools', { skip }, () => {
  const ctx = withAgent(['--policy', ACME]);

  test('an open window turns to blocked-recently when the agent stops a tool, without a reload', async () => {
    const { context, page } = await openStatusPage(browser, ctx.server.url, BOTH[0]!);
    await expectState(page, 'protected');
    const codex = await runTool(ctx.agent, '@openai/codex', 'codex', 'block');
    await expectState(page, 'blocked-recently');
    await page.waitForSelector(`#recent > li[data-event-id="${codex.id}"]`);
    assert.match((await headline(page)).sentence, /^Cordon stopped OpenAI Codex CLI at \d\d:\d\d\./);
    await context.close();
  });

  test('blocks appear newest first, the headline names the latest, a notification click focuses its event', async () => {
    const codex = (await ctx.agent.events()).find((e) => e.type === 'block' && e.toolId === 'codex')!;
    const claude = await runTool(ctx.agent, '@anthropic-ai/claude-code', 'claude', 'block');
    for (const o of BOTH) {
      const { context, page } = await openStatusPage(browser, ctx.server.url, o);
      await expectState(page, 'blocked-recently');
      const zh = o.locale === 'zh-CN';
      const h = await headline(page);
      assert.equal(h.label, zh ? 'Cordon — 刚刚阻止了一个工具' : 'Cordon — A tool was just blocked');
      assert.match(h.sentence, zh ? /^Cordon 在 \d\d:\d\d 阻止了 Claude Code。此设备仍受保护。$/ : /^Cordon stopped Claude Code at \d\d:\d\d\. This device stays protected\.$/);
      const ids = await page.locator('#recent > li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-event-id')));
      assert.deepEqual(ids, [claude.id, codex.id]);
      const first = await page.locator('#recent > li').first().innerText();
      assert.match(first, zh ? /Claude Code[\s\S]*已阻止 · 进程 \d+/ : /Claude Code[\s\S]*Stopped · process \d+/);
      assert.equal(await page.locator('#recent').getAttribute('aria-label'), zh ? '最近的阻止记录，最新的在前' : 'Recent blocks, newest first');

      await sendShowEvent(page, codex.id);
      const focusedEvent = await page.evaluate(() => document.activeElement?.getAttribute('data-event-id'));
      assert.equal(focusedEvent, codex.id);
      assert.equal(await page.locator(`[data-event-id="${codex.id}"]`).getAttribute('class'), 'highlight');
      await shoot(page, 'blocked-recently', o);
      await context.close();
    }
  });
});

describe('monitor: the agent records but stops nothing', { skip }, () => {
  const ctx = withAgent(['--policy', ACME, '--mode', 'monitor']);

  test('would-block events are listed and the state says monitor mode', async () => {
    await runTool(ctx.agent, '@openai/codex', 'codex', 'would-block');
    for (const o of BOTH) {
      const { context, page } = await openStatusPage(browser, ctx.server.url, o);
      await expectState(page, 'monitor');
      const zh = o.locale === 'zh-CN';
      assert.equal((await headline(page)).sentence, zh ? '监控模式：Cordon 会记录 AI 编程工具的使用，但不会阻止它们。' : 'Monitor mode: Cordon records AI coding tools but does not stop them.');
      assert.match(await page.locator('#recent > li').first().innerText(), zh ? /OpenAI Codex CLI[\s\S]*本会被阻止（监控模式）/ : /OpenAI Codex CLI[\s\S]*Would have been stopped \(monitor mode\)/);
      assert.match(await page.locator('#facts').innerText(), zh ? /监控（不阻止任何工具）/ : /monitor \(nothing is stopped\)/);
      assert.equal(await page.locator('details[data-tool-id="codex"] .tag').innerText(), zh ? '将被阻止' : 'Would be blocked');
      await shoot(page, 'monitor', o);
      await context.close();
    }
  });
});

describe('bring your own model: tools allowed only through the company gateway', { skip }, () => {
  const ctx = withAgent(['--policy', join(REPO_ROOT, 'policy/examples/bring-your-own-model.yaml')]);

  test('a conditionally allowed tool says where it may send, in both languages; the others are blocked', async () => {
    const status = await ctx.agent.status();
    assert.deepEqual(status.restrictedTools.find((t) => t.toolId === 'codex')?.allowedThrough, ['https://llm.acme.internal']);
    for (const o of BOTH) {
      const { context, page } = await openStatusPage(browser, ctx.server.url, o);
      await expectState(page, 'protected');
      const zh = o.locale === 'zh-CN';
      for (const id of ['claude-code', 'codex', 'qwen-code'])
        assert.equal(await page.locator(`details[data-tool-id="${id}"] .tag`).innerText(), zh ? '仅允许通过 https://llm.acme.internal 使用' : 'Allowed through https://llm.acme.internal only', id);
      assert.equal(await page.locator('details[data-tool-id="gemini-cli"] .tag').innerText(), zh ? '已禁止' : 'Blocked');
      await shoot(page, 'byom', o);
      await context.close();
    }
  });
});

describe('out-of-date: a policy update was rejected, the old policy stays in force', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'cordon-policy-'));
  const policy = join(dir, 'policy.yaml');
  copyFileSync(ACME, policy);
  const ctx = withAgent(['--policy', policy]);

  test('the window says the update was rejected and the policy in force stays', async () => {
    writeFileSync(policy, 'schemaVersion: 1\nid: broken\nmode: sometimes\n');
    await waitFor(async () => (await ctx.agent.status()).recentEvents.some((e) => e.type === 'policy.rejected'), 'the agent to reject the broken policy', 30_000);
    for (const o of BOTH) {
      const { context, page } = await openStatusPage(browser, ctx.server.url, o);
      await expectState(page, 'out-of-date');
      const zh = o.locale === 'zh-CN';
      assert.equal((await headline(page)).label, zh ? 'Cordon — 策略已过期' : 'Cordon — Policy out of date');
      assert.equal((await headline(page)).sentence, zh ? '一次策略更新被拒绝；当前策略继续生效，直到收到有效的更新。' : 'A policy update was rejected; the policy in force stays until a valid one arrives.');
      assert.match(await page.locator('#facts').innerText(), /acme-engineering/);
      await shoot(page, 'out-of-date', o);
      await context.close();
    }
  });
});

describe('agent-missing: nothing answers on the socket', { skip }, () => {
  test('the window says nothing is enforced, names the problem, and disables the request form', async () => {
    const server = await startStatusPageServer(join(mkdtempSync(join(tmpdir(), 'cordon-none-')), 'agent.sock'));
    try {
      for (const o of BOTH) {
        const { context, page } = await openStatusPage(browser, server.url, o);
        await expectState(page, 'agent-missing');
        const zh = o.locale === 'zh-CN';
        assert.equal(
          (await headline(page)).sentence,
          zh ? 'Cordon 代理没有运行，因此目前没有执行任何策略。请联系 IT 部门。' : 'The Cordon agent is not running, so no policy is being enforced. Please contact your IT team.',
        );
        assert.match(await page.locator('#facts').innerText(), zh ? /问题\s+the Cordon agent is not running/ : /Problem\s+the Cordon agent is not running \(nothing listens on .*agent\.sock\)/);
        assert.equal(await page.locator('#exception-submit').isDisabled(), true);
        assert.equal(await page.locator('#tools-empty').innerText(), zh ? '代理恢复响应后会重新显示。' : 'Shown again once the agent answers.');
        await shoot(page, 'agent-missing', o);
        await context.close();
      }
    } finally {
      await server.close();
    }
  });
});

describe('in-process: no agent service, so the app runs the agent itself', { skip }, () => {
  test('the window says the agent runs inside the app as this user', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cordon-inproc-'));
    const server = await startStatusPageServer(join(dir, 'service.sock'), { stateDir: join(dir, 'state'), socket: join(dir, 'own.sock') });
    try {
      for (const o of BOTH) {
        const { context, page } = await openStatusPage(browser, server.url, o);
        await expectState(page, 'protected');
        const zh = o.locale === 'zh-CN';
        assert.equal(await page.locator('#in-process').isVisible(), true);
        assert.equal(
          await page.locator('#in-process').innerText(),
          zh ? '此电脑没有安装 Cordon 服务，因此代理以你的身份在本应用内运行，退出本应用时会停止。' : 'No Cordon service is installed on this computer, so the agent runs inside this app as you. It stops when you quit the app.',
        );
        assert.match(await page.locator('#facts').innerText(), /\(linux, user\)/);
        await shoot(page, 'in-process', o);
        await context.close();
      }
    } finally {
      await server.close();
    }
  });
});
