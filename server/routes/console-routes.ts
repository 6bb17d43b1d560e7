// The admin console: the static files `npm run build` puts in dist/console, served at / with a strict CSP (no
// inline script or style, nothing from another origin). Every page path answers index.html; the page then talks
// only to the public admin API under /admin/v1.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; " +
  "manifest-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/** The console's page paths (the router in console/router.ts names the same ones). */
export const CONSOLE_PAGES = ['/', '/sign-in', '/devices', '/devices/:id', '/events', '/exceptions', '/policies', '/audit', '/tokens'];

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml' };

/** Where the built console is: $CORDON_CONSOLE_DIR, beside a bundled server, or dist/console of this checkout. */
export function findConsoleDir(): string | undefined {
  const candidates = [process.env.CORDON_CONSOLE_DIR, fileURLToPath(new URL('./console/', import.meta.url)), fileURLToPath(new URL('../../dist/console/', import.meta.url))];
  return candidates.find((dir): dir is string => !!dir && existsSync(join(dir, 'index.html')));
}

function secure(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', CONSOLE_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY')
    .header('cross-origin-opener-policy', 'same-origin');
}

export function consoleRoutes(app: FastifyInstance, consoleDir = findConsoleDir()): void {
  // Read once at start: a fixed set of files, so no request path ever reaches the file system.
  const files = new Map<string, Buffer>();
  if (consoleDir) for (const name of readdirSync(consoleDir)) if (TYPES[extname(name)]) files.set(name, readFileSync(join(consoleDir, name)));
  const index = files.get('index.html');

  for (const path of CONSOLE_PAGES) {
    app.get(path, { schema: { hide: true } }, async (_request, reply) => {
      if (!index) return secure(reply).status(503).type('text/plain; charset=utf-8').send('The admin console is not built: run `npm run build` (the API under /admin/v1 works without it).\n');
      return secure(reply).header('cache-control', 'no-store').type(TYPES['.html']!).send(index);
    });
  }
  app.get<{ Params: { name: string } }>('/assets/:name', { schema: { hide: true } }, async (request, reply) => {
    const body = files.get(request.params.name);
    if (!body || request.params.name === 'index.html') return secure(reply).status(404).type('text/plain; charset=utf-8').send('not found\n');
    return secure(reply).header('cache-control', 'no-cache').type(TYPES[extname(request.params.name)]!).send(body);
  });
}
