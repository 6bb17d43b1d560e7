// The admin console end to end, in Debian's Chromium against a real `cordon server` with a real enrolled agent
// (scoped to this test's descendants) that stops a real Claude Code: sign in, the block in the overview, an
// exception approved with the keyboard alone and the agent's next signed policy allowing the tool, a broken
// policy's located problems, push and rollback, a viewer refused by the server, both languages, no CSP violation.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { bundleConsole } from '../../build/bundle-console.ts';
import { CONSOLE_CSP } from '../../server/routes/console-routes.ts';
import { startAgent, type AgentProcess } from '../support/agent-process.ts';
import { prepareCliSession } from '../support/ai-cli-session.ts';
import { installRealCli } from '../support/real-clis.ts';
import { RequestRecorder } from '../support/request-recorder.ts';
import { startTestServer, type TestServer } from '../support/server-instance.ts';
import { requireSystemPart } from '../support/system-part.ts';
import { CHROMIUM, launchChromium } from '../renderer/test-bridge.ts';
import { cordon, eventually } from '../sync/e2e-support.ts';
import { openConsole, tabTo, type ConsolePage } from './console-browser.ts';

const BROKEN_POLICY = 'schemaVersion: 1\nid: broken\nname: Broken\nmode: enforce\nrules:\n  - id: r1\n    tools: [no-such-tool]\n    action: obliterate\n';
const policy = (name: string) => `schemaVersion: 1\nid: console-base\nname: ${name}\nmode: enforce\nrules:\n  - id: block-all\n    tools: ["*"]\n    action: block\n`;

export function consoleSuite(label: string, options: { databaseUrl?: () => Promise<string>; skip?: string | false; screenshots: boolean }): void {
  const skip = options.skip || requireSystemPart({ binary: CHROMIUM.executablePath, debianPackage: 'chromium' });
  describe(`admin console (${label})`, { skip }, () => {
    let server: TestServer;
    let agent: AgentProcess;
    let recorder: RequestRecorder;
    let browser: Browser;
    let it: ConsolePage;
    let scratch: string;
    const opened: ConsolePage[] = [];
    const shot = async (p: ConsolePage, name: string) => (options.screenshots ? p.shot(name) : undefined);

    /**
     * Runs the real Claude Code against a loopback recorder. `allowed`: waits up to waitMs for its first API request,
     * then ends it. Otherwise waits for it to be stopped (whether or not a request got out first on a loaded machine:
     * how fast the agent stops a tool is the agent tests' subject, not the console's).
     */
    async function runClaude(name: string, allowed: boolean, waitMs = 8000): Promise<{ pid: number; reached: boolean; signal: NodeJS.Signals | null }> {
      const claude = installRealCli('claude-code');
      const session = prepareCliSession('claude-code', join(scratch, name), recorder.url);
      const since = Date.now();
      const child = spawn(claude.bin, session.args, { env: session.env, stdio: 'ignore', detached: true });
      const ended = new Promise<NodeJS.Signals | null>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) resolve(child.signalCode);
        else child.once('exit', (_c, s) => resolve(s));
      });
      if (!allowed) {
        const stopped = await Promise.race([ended, new Promise<'still running'>((resolve) => setTimeout(resolve, 60_000, 'still running'))]);
        if (stopped === 'still running') process.kill(-child.pid!, 'SIGKILL');
        return { pid: child.pid!, reached: false, signal: stopped === 'still running' ? null : stopped };
      }
      const first = await recorder.firstSince(since, waitMs);
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
      await ended;
      return { pid: child.pid!, reached: Boolean(first), signal: null };
    }

    async function signIn(p: ConsolePage, token: string): Promise<void> {
      await p.page.goto('/');
      await p.page.getByLabel('Admin token').fill(token);
      await p.page.getByRole('button', { name: 'Sign in' }).click();
      await p.page.getByRole('navigation', { name: 'Main' }).waitFor();
    }

    before(async () => {
      scratch = mkdtempSync(join(tmpdir(), 'cordon-console-'));
      const consoleDir = join(scratch, 'console');
      await bundleConsole(consoleDir);
      installRealCli('claude-code');
      recorder = await RequestRecorder.start();
      server = await startTestServer({ consoleDir, ...(options.databaseUrl ? { databaseUrl: await options.databaseUrl() } : {}) });
      const config = join(scratch, 'agent.yaml');
      const pem = server.publicKeyPem.trim().split('\n').map((l) => `    ${l}`).join('\n');
      writeFileSync(config, `serverUrl: ${server.url}\nenrolSecret: ${server.enrolSecret}\npinnedKeys:\n  - |\n${pem}\noverrides:\n  syncIntervalSeconds: 3600\n`, { mode: 0o600 });
      agent = await startAgent({ env: { CORDON_CONFIG: config, DBUS_SESSION_BUS_ADDRESS: '' }, args: ['--inventory', 'off'], readyTimeoutMs: 90_000 });
      await eventually('the agent enrols and runs the server policy', async () => {
        const s = await agent.status();
        return s.enrolment.state === 'enrolled' && s.policy.source === 'server';
      });
      browser = await launchChromium();
      it = await openConsole(browser, server.url);
      opened.push(it);
    });

    after(async () => {
      for (const p of opened) await p.context.close().catch(() => {});
      await browser?.close();
      await agent?.stop();
      await server?.stop();
      await recorder?.close();
      rmSync(scratch, { recursive: true, force: true });
    });

    test('served at / with a strict CSP; signing in keeps the token out of URLs and storage and the session in an HttpOnly SameSite=Strict cookie', async () => {
      const res = await fetch(`${server.url}/`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-security-policy'), CONSOLE_CSP);
      assert.doesNotMatch(CONSOLE_CSP, /unsafe-inline|unsafe-eval|https?:/);
      assert.doesNotMatch(await res.text(), /<script>|style=/, 'no inline script or style in the page');

      await it.page.goto('/');
      await it.page.getByLabel('Admin token').waitFor();
      await shot(it, 'sign-in');
      await signIn(it, server.adminToken);
      const cookies = await it.context.cookies();
      const session = cookies.find((c) => c.name === 'cordon_session');
      assert.ok(session, 'a session cookie');
      assert.equal(session.httpOnly, true);
      assert.equal(session.sameSite, 'Strict');
      assert.notEqual(session.value, server.adminToken);
      const stored = await it.page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie + location.href);
      assert.ok(!stored.includes(server.adminToken), 'the token is nowhere a script or a URL can see it');
    });

    test('a real Claude Code stopped by the agent shows in the overview', async () => {
      const run = await runClaude('blocked', false);
      assert.equal(run.signal, 'SIGKILL', 'the agent stopped it');
      const block = await agent.waitForEvent((e) => e.type === 'block' && e.pid === run.pid);
      await eventually('the block reaches the server', async () => {
        const rows = await server.db.query('SELECT 1 FROM events WHERE id = $1', [block.id]);
        return rows.length > 0;
      });
      await it.page.goto('/');
      await it.page.getByRole('heading', { name: 'Blocks per day, last 30 days' }).waitFor();
      // Every stop is one block (a launcher that respawns its child is stopped again, and counted again).
      assert.match(await it.page.locator('.legend').innerText(), /^claude-code \([1-9]\d*\)$/);
      const total = await it.page.getByRole('img').first().getAttribute('aria-label');
      assert.match(total ?? '', /^[1-9]\d* blocks in 30 days across 1 tools$/);
      // Each number links to the list it counts.
      assert.equal(await it.page.getByTestId('count-pending').getAttribute('href'), '/exceptions?status=pending');
      await shot(it, 'overview');
      await it.page.getByTestId('count-compliant').click();
      await it.page.waitForURL(/\/devices\?compliance=compliant$/);
      await it.page.getByRole('table').waitFor();
      assert.equal(await it.page.getByLabel('Compliance').inputValue(), 'compliant', 'the filter is read from the URL');
      await shot(it, 'devices');
      await it.page.getByRole('table').getByRole('link').first().click();
      await it.page.getByRole('table', { name: 'Recent events' }).waitFor();
      assert.match(await it.page.locator('main').innerText(), /block/);
      await shot(it, 'device');
      await it.page.goto('/events?tool=claude-code&type=block');
      await it.page.getByRole('table').waitFor();
      const csvHref = await it.page.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
      assert.equal(csvHref, '/admin/v1/events.csv?tool=claude-code&type=block');
      const stored = await server.db.query("SELECT id FROM events WHERE type = 'block' AND tool_id = 'claude-code'");
      const csv = await it.page.evaluate(async (href) => (await fetch(href!)).text(), csvHref);
      assert.ok(csv.includes(block.id), csv);
      assert.ok(csv.trim().split('\r\n').length - 1 >= stored.length, csv);
      assert.match(csv, /"block","claude-code"/);
      await shot(it, 'events');
    });

    test('an exception approved with the keyboard alone reaches the agent in its next signed policy, which lets Claude Code run', async () => {
      const asked = await cordon(['request-exception', 'claude-code', '--reason', 'vendor pairing (SEC-77)', '--days', '2', '--socket', agent.socket]);
      assert.equal(asked.status, 0, asked.stdout + asked.stderr);
      await eventually('the request reaches the server', async () => (await server.db.query("SELECT 1 FROM exception_requests WHERE status = 'pending'")).length > 0);
      await it.page.goto('/');
      assert.equal(await it.page.getByTestId('count-pending').locator('.number').innerText(), '1');
      await it.page.goto('/exceptions');
      const approve = it.page.getByRole('button', { name: /^Approve claude-code for / });
      await approve.waitFor();
      await shot(it, 'exceptions');
      await it.page.locator('body').focus();
      await tabTo(it.page, '.decide button:not(.danger)');
      await it.page.keyboard.press('Enter');
      await it.page.getByRole('status').filter({ hasText: 'Approved claude-code' }).waitFor();
      const before = (await agent.status()).policy.serial!;
      const sync = await cordon(['sync', '--socket', agent.socket]);
      assert.equal(sync.status, 0, sync.stdout + sync.stderr);
      const status = await agent.status();
      assert.ok(status.policy.serial! > before, 'a newer signed policy');
      // Allowed: given time to start on a loaded machine (a block would end it long before this).
      const run = await runClaude('allowed', true, 90_000);
      assert.ok(!(await agent.events()).some((e) => e.type === 'block' && e.pid === run.pid), 'not stopped');
      assert.equal(run.reached, true, 'Claude Code runs now and reaches its API');
      await it.page.goto('/exceptions?status=approved');
      await it.page.getByRole('table').waitFor();
      assert.match(await it.page.getByRole('table').innerText(), /Approved until/);
    });

    test('a broken policy shows its located problems as typed and when pushed; push and roll back', async () => {
      await it.page.goto('/policies?new=1');
      const editor = it.page.getByLabel('Policy YAML');
      await editor.fill(BROKEN_POLICY);
      const problems = it.page.locator('#validation .problems');
      await problems.waitFor();
      const text = await problems.innerText();
      assert.match(text, /line 8, column 13: rules\[0\]\.action: must be one of/, text);
      await shot(it, 'policies-problems');
      await it.page.getByRole('button', { name: 'Push', exact: true }).click();
      await it.page.getByRole('status').filter({ hasText: 'The server refused the policy' }).waitFor();
      assert.equal((await server.db.query("SELECT 1 FROM policy_versions WHERE policy_id = 'broken'")).length, 0, 'nothing stored');

      for (const [i, name] of ['Base one', 'Base two'].entries()) {
        await editor.fill(policy(name));
        await it.page.locator('#validation').getByText('Valid: policy console-base.').waitFor();
        await it.page.getByLabel('Assign to groups').fill('*');
        await it.page.getByRole('button', { name: 'Push', exact: true }).click();
        await it.page.getByRole('status').filter({ hasText: /Pushed console-base version/ }).waitFor();
        // The page redraws after a push: wait for the redrawn one (it lists the new version) before going on.
        await it.page.getByRole('table', { name: 'Versions of console-base' }).getByRole('cell', { name: String(i + 1), exact: true }).waitFor();
      }
      await editor.fill(policy('Base three'));
      await it.page.getByRole('button', { name: 'Diff against the version in force' }).click();
      await it.page.locator('pre.diff').waitFor();
      assert.match(await it.page.locator('pre.diff').innerText(), /- name: Base two\n\+ name: Base three/);
      await shot(it, 'policies');
      await it.page.getByRole('button', { name: 'Roll back to version 1' }).click();
      await it.page.getByRole('status').filter({ hasText: 'Rolled back console-base to version 1' }).waitFor();
      const [head] = await server.db.query<{ current_version: number }>("SELECT current_version FROM policy_heads WHERE policy_id = 'console-base'");
      assert.equal(head!.current_version, 1);
      await it.page.goto('/audit');
      await it.page.getByRole('table').waitFor();
      assert.match(await it.page.getByRole('table').innerText(), /policy\.rollback/);
      await shot(it, 'audit');
    });

    test('a viewer sees everything and the server refuses every change it tries, even past the UI', async () => {
      await it.page.goto('/tokens');
      await it.page.getByLabel('Name').fill('auditor');
      await it.page.getByLabel('Role').selectOption('viewer');
      await it.page.getByRole('button', { name: 'Create token' }).click();
      const viewerToken = await it.page.locator('#new-token').inputValue();
      assert.match(viewerToken, /^cordon_/);
      await shot(it, 'tokens');

      const viewer = await openConsole(browser, server.url);
      opened.push(viewer);
      await signIn(viewer, viewerToken);
      await viewer.page.getByText('You are signed in as a viewer').waitFor();
      await viewer.page.goto('/exceptions?status=all');
      await viewer.page.getByRole('table').waitFor();
      assert.equal(await viewer.page.getByRole('button', { name: /^Approve/ }).count(), 0);
      // Past the UI: the page's own session and CSRF token, straight at the API.
      // (Written without named inner functions: the test's TypeScript loader would name them with a helper the
      // page does not have.)
      const refused = await viewer.page.evaluate(async () => {
        const s = (await (await fetch('/admin/v1/session')).json()) as { csrfToken: string };
        const calls: [string, unknown][] = [
          ['/admin/v1/policies', { yaml: 'schemaVersion: 1\nid: v\nname: v\nmode: enforce\nrules: []\n' }],
          ['/admin/v1/tokens', { name: 'x', role: 'admin' }],
          ['/admin/v1/policies/console-base/rollback', { version: 2 }],
        ];
        return Promise.all(calls.map(([path, body]) =>
          fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-cordon-csrf': s.csrfToken }, body: JSON.stringify(body) }).then((r) => r.status)));
      });
      assert.deepEqual(refused, [403, 403, 403]);
      // And the admin's session without its CSRF token is refused too.
      const noCsrf = await it.page.evaluate(async () => (await fetch('/admin/v1/policies/console-base/rollback', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status);
      assert.equal(noCsrf, 403);
      const [head] = await server.db.query<{ current_version: number }>("SELECT current_version FROM policy_heads WHERE policy_id = 'console-base'");
      assert.equal(head!.current_version, 1, 'nothing changed');
      await shot(viewer, 'viewer-exceptions');
      assert.deepEqual(await viewer.violations(), []);
    });

    test('Simplified Chinese, dark, and a 390 px screen', async () => {
      await it.page.goto('/');
      await it.page.getByLabel('Language').selectOption('zh-CN');
      await it.page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '概览' }).waitFor();
      assert.equal(await it.page.evaluate(() => document.documentElement.lang), 'zh-CN');
      assert.match(await it.page.locator('main').innerText(), /最近 30 天每日拦截次数/);
      await shot(it, 'overview-zh-CN');
      await it.page.getByLabel('语言').selectOption('en');
      const phone = await openConsole(browser, server.url, { width: 390, colorScheme: 'dark' });
      opened.push(phone);
      await signIn(phone, server.adminToken);
      await phone.page.goto('/');
      await phone.page.getByRole('heading', { name: 'Blocks per day, last 30 days' }).waitFor();
      const bg = await phone.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      assert.equal(bg, 'rgb(13, 17, 23)', 'dark colours');
      const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow} px at 390 px`);
      await shot(phone, 'overview-390-dark');
      await phone.page.goto('/exceptions?status=all');
      await phone.page.getByRole('table').waitFor();
      await shot(phone, 'exceptions-390-dark');
      assert.deepEqual(await phone.violations(), []);
    });

    test('no page reported a CSP violation', async () => {
      assert.deepEqual(await it.violations(), []);
    });
  });
}
