// A console page in Debian's Chromium that counts every CSP violation the page reports, and saves screenshots
// into test-artifacts/console/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { REPO_ROOT } from '../support/cli.ts';

export const SCREENSHOTS = join(REPO_ROOT, 'test-artifacts', 'console');

export interface ConsolePage {
  context: BrowserContext;
  page: Page;
  /** CSP violations the page saw (securitypolicyviolation events and console reports), in order. */
  violations(): Promise<string[]>;
  shot(name: string): Promise<string>;
}

export async function openConsole(browser: Browser, baseURL: string, options: { width?: number; colorScheme?: 'light' | 'dark'; locale?: string } = {}): Promise<ConsolePage> {
  const context = await browser.newContext({ baseURL, viewport: { width: options.width ?? 1280, height: 900 }, colorScheme: options.colorScheme ?? 'light', locale: options.locale ?? 'en-US' });
  // Runs before the page's own script in every document of this context; an init script is not subject to the CSP.
  await context.addInitScript(() => {
    const w = window as unknown as { __csp: string[] };
    w.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const page = await context.newPage();
  const consoleReports: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) consoleReports.push(m.text());
  });
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    context,
    page,
    async violations() {
      const inPage = await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp).catch(() => [] as string[]);
      return [...inPage, ...consoleReports];
    },
    async shot(name) {
      const file = join(SCREENSHOTS, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
  };
}

/** Presses Tab until `target` has focus (as a keyboard user would), at most `max` times. */
export async function tabTo(page: Page, target: string, max = 80): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((sel) => document.activeElement === document.querySelector(sel), target)) return;
  }
  throw new Error(`${target} never got the focus in ${max} presses of Tab`);
}
