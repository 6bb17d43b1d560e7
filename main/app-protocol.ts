// The status window is served from a private `cordon-app://` scheme rather than file://, so 'self' in the CSP
// means exactly the app's own files and nothing else on disk can be reached from the page.
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { Protocol } from 'electron';
import { CONTENT_SECURITY_POLICY } from './content-security-policy.ts';

export const APP_SCHEME = 'cordon-app';
export const STATUS_PAGE_URL = `${APP_SCHEME}://status/status.html`;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** Must run before the app is ready. */
export function registerAppScheme(protocol: Protocol): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true } }]);
}

/** Resolves a request path inside the renderer folder; undefined for anything outside it or of an unknown type. */
export function appFilePath(rendererDir: string, url: string): string | undefined {
  const { pathname, host } = new URL(url);
  if (host !== 'status') return undefined;
  const file = normalize(join(rendererDir, decodeURIComponent(pathname)));
  if (!file.startsWith(rendererDir.endsWith(sep) ? rendererDir : rendererDir + sep)) return undefined;
  return TYPES[extname(file)] ? file : undefined;
}

export function handleAppScheme(protocol: Protocol, rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const file = appFilePath(rendererDir, request.url);
    if (!file) return new Response('not found', { status: 404 });
    try {
      return new Response(await readFile(file), {
        headers: { 'content-type': TYPES[extname(file)]!, 'content-security-policy': CONTENT_SECURITY_POLICY, 'x-content-type-options': 'nosniff' },
      });
    } catch {
      return new Response('not found', { status: 404 });
    }
  });
}
