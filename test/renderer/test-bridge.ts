// Opens the status page in real Chromium with the app's own preload (renderer/preload.ts, bundled with a stand-in
// for electron's ipcRenderer: preload-electron-shim.ts): window.cordon is what the app exposes, and each IPC call
// goes (via a Playwright binding, since the page's CSP allows no network) to the loopback relay, which answers
// with the app's IPC handlers against the real agent.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = {
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
};

export function launchChromium(): Promise<Browser> {
  return chromium.launch(CHROMIUM);
}

let preloadScript: Promise<string> | undefined;

/** The app's real preload (renderer/preload.ts), bundled for the browser with `electron` replaced by the shim. */
function bundledPreload(): Promise<string> {
  preloadScript ??= build({
    entryPoints: [fileURLToPath(new URL('../../renderer/preload.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'chrome120',
    logLevel: 'warning',
    alias: { electron: fileURLToPath(new URL('./preload-electron-shim.ts', import.meta.url)) },
  }).then((r) => r.outputFiles[0]!.text);
  return preloadScript;
}

/** Resolves after the page has received `n` more status pushes (each re-renders what changed). */
export async function waitForStatusPushes(page: Page, n: number): Promise<void> {
  const start = await page.evaluate(() => (window as unknown as { __cordonStatusPushes?: number }).__cordonStatusPushes ?? 0);
  await page.waitForFunction((target) => ((window as unknown as { __cordonStatusPushes?: number }).__cordonStatusPushes ?? 0) >= target, start + n);
}

export interface PageOptions {
  locale: 'en' | 'zh-CN';
  colorScheme: 'light' | 'dark';
}

export async function openStatusPage(browser: Browser, baseUrl: string, o: PageOptions): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ locale: o.locale, colorScheme: o.colorScheme, viewport: { width: 560, height: 900 }, timezoneId: 'UTC' });
  await context.exposeBinding('__cordonRelay', async (_source, channel: string, arg: unknown) => {
    const res = await fetch(`${baseUrl}/relay/${encodeURIComponent(channel)}`, { method: 'POST', body: arg === null ? '' : JSON.stringify(arg) });
    if (!res.ok) throw new Error(`relay ${channel}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as unknown;
  });
  await context.addInitScript(await bundledPreload());
  const page = await context.newPage();
  await page.goto(`${baseUrl}/status.html`);
  await page.waitForSelector('body[data-ready="true"]');
  return { context, page };
}

/** What the main process does when a notification is clicked (main.ts: open(event.id)): sends the event id on the
 * show-event channel, which the preload hands to the page. */
export async function sendShowEvent(page: Page, eventId: string): Promise<void> {
  await page.evaluate((id) => (window as unknown as { __cordonMainSend(c: string, v: unknown): void }).__cordonMainSend('cordon:show-event', id), eventId);
}
