// Opens the status page in real Chromium with a test bridge in place of the Electron preload: window.cordon
// has the same methods, each forwarded (via a Playwright binding, since the page's CSP allows no network) to the
// loopback relay, which asks the real agent.
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = {
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
};

export function launchChromium(): Promise<Browser> {
  return chromium.launch(CHROMIUM);
}

const BRIDGE_SCRIPT = `
(() => {
  const call = (method, arg) => window.__cordonRelay(method, arg === undefined ? null : arg);
  const statusListeners = new Set();
  const eventListeners = new Set();
  window.__cordonShowEvent = (id) => eventListeners.forEach((l) => l(id));
  window.__cordonOpened = [];
  window.__cordonCopied = [];
  setInterval(async () => {
    if (!statusListeners.size) return;
    const s = await call('getStatus');
    statusListeners.forEach((l) => l(s));
    window.__cordonStatusPushes = (window.__cordonStatusPushes || 0) + 1;
  }, 500);
  window.cordon = Object.freeze({
    getStatus: () => call('getStatus'),
    requestException: (input) => call('requestException', input),
    syncNow: () => call('syncNow'),
    copyDiagnostics: async () => { const t = await call('copyDiagnostics'); window.__cordonCopied.push(t); return t; },
    openExternal: async (url) => { const ok = await call('openExternal', url); if (ok) window.__cordonOpened.push(url); return ok; },
    onStatus: (l) => { statusListeners.add(l); return () => statusListeners.delete(l); },
    onShowEvent: (l) => { eventListeners.add(l); return () => eventListeners.delete(l); },
  });
})();
`;

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
  await context.exposeBinding('__cordonRelay', async (_source, method: string, arg: unknown) => {
    const res = await fetch(`${baseUrl}/relay/${method}`, { method: 'POST', body: arg === null ? '' : JSON.stringify(arg) });
    if (!res.ok) throw new Error(`relay ${method}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as unknown;
  });
  await context.addInitScript(BRIDGE_SCRIPT);
  const page = await context.newPage();
  await page.goto(`${baseUrl}/status.html`);
  await page.waitForSelector('body[data-ready="true"]');
  return { context, page };
}
