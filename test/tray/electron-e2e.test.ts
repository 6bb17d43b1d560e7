// The real Electron app, driven by Playwright's _electron (Spectron is deprecated and does not support current
// Electron). Runs wherever the Electron binary is installed and a display exists (xvfb-run on CI); reported as
// skipped, with the reason, where it is not. The tray is driven as a user drives it: its menu item is clicked on
// the Menu object Electron holds. The app has no test hook for this: a test-only spy
// (test/support/electron-tray-spy.cjs, loaded with NODE_OPTIONS=--require) keeps the Menu the tray is given.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { _electron } from 'playwright-core';
import { APP_DIR, displayAvailable, findElectronBinary } from '../../main/launch-tray.ts';
import { startAgent } from '../support/agent-process.ts';
import { requireSetup } from '../support/system-part.ts';

const TRAY_SPY = join(APP_DIR, 'test', 'support', 'electron-tray-spy.cjs');

const electron = findElectronBinary();
const skip = !electron
  ? 'the Electron binary is not installed (node_modules/electron/dist is missing: npm install ran with ELECTRON_SKIP_BINARY_DOWNLOAD or without network)'
  : // With the binary here, a missing display is a narrowed run: a failure under CI (.ci/run runs under xvfb-run).
    (requireSetup(displayAvailable() ? undefined : 'no display (DISPLAY/WAYLAND_DISPLAY unset): run under xvfb-run (Debian package xvfb)') ?? false);

test('tray app: clicking the tray menu item opens the status window on the real agent; closing it keeps the tray', { skip }, async () => {
  execFileSync(process.execPath, ['--import', 'tsx', join(APP_DIR, 'scripts/build-app.ts')], { stdio: 'ignore' });
  const agent = await startAgent({ args: ['--policy', join(APP_DIR, 'policy/examples/acme.yaml')] });
  const app = await _electron.launch({
    executablePath: electron as string,
    args: [APP_DIR, '--hidden', '--no-sandbox'],
    env: { ...process.env, CORDON_STATUS_SOCKET: agent.socket, LANG: 'en_US.UTF-8', NODE_OPTIONS: `--require ${TRAY_SPY}` },
  });
  try {
    assert.equal(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length), 0, 'started hidden: tray only');
    const opened = app.waitForEvent('window');
    // The menu as the tray shows it, then a click on "Open Cordon status…" (MenuItem.click runs main's handler).
    const labels = await app.evaluate(() => (globalThis as unknown as { __cordonTestTrayMenu?: Electron.Menu }).__cordonTestTrayMenu?.items.map((i) => i.label));
    assert.deepEqual(labels, ['Cordon: Protected', '', 'Open Cordon status…', 'Check for policy updates now', 'Copy diagnostics', '', 'Open at login', '', 'Quit tray']);
    await app.evaluate(() => {
      const menu = (globalThis as unknown as { __cordonTestTrayMenu: Electron.Menu }).__cordonTestTrayMenu;
      menu.items.find((i) => i.label === 'Open Cordon status…')!.click();
    });
    const page = await opened;
    await page.waitForSelector('header[data-state="protected"]');
    assert.equal(await page.locator('#state-label').innerText(), 'Cordon — Protected');
    assert.match(await page.locator('#facts').innerText(), /acme-engineering/);
    // The page has the bridge and nothing else: no Node, no Electron.
    assert.deepEqual(await page.evaluate(() => [typeof (globalThis as { require?: unknown }).require, typeof (globalThis as { process?: unknown }).process, Object.keys(window.cordon).sort()]), [
      'undefined',
      'undefined',
      ['copyDiagnostics', 'getStatus', 'onShowEvent', 'onStatus', 'openExternal', 'requestException', 'syncNow'],
    ]);
    assert.equal(page.url(), 'cordon-app://status/status.html');
    // Navigation away from the status page is refused by the main process.
    await page.evaluate(() => {
      location.href = 'https://example.com/';
    });
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(page.url(), 'cordon-app://status/status.html');
    const closed = page.waitForEvent('close');
    await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]?.close());
    await closed;
    assert.equal(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length), 0, 'window destroyed on close');
    assert.equal(await app.evaluate(({ app: a }) => a.isReady()), true, 'the app stays in the tray');
  } finally {
    await app.close();
    await agent.stop();
  }
});
