// Bundles the status window for Electron and for the renderer tests alike: status.ts → status.js (an IIFE the
// CSP allows as 'self'), preload.ts → preload.cjs (sandboxed preloads must be CommonJS), plus the static files.
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const RENDERER = fileURLToPath(new URL('../renderer/', import.meta.url));
export const RENDERER_STATIC_FILES = ['status.html', 'status.css', 'shield.svg'];

export async function bundleRenderer(outDir: string): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  const common = { bundle: true, logLevel: 'warning', legalComments: 'none', charset: 'utf8', target: 'chrome120' } as const;
  await Promise.all([
    build({ ...common, entryPoints: [join(RENDERER, 'status.ts')], outfile: join(outDir, 'status.js'), format: 'iife', platform: 'browser' }),
    build({ ...common, entryPoints: [join(RENDERER, 'preload.ts')], outfile: join(outDir, 'preload.cjs'), format: 'cjs', platform: 'node', external: ['electron'] }),
  ]);
  for (const f of RENDERER_STATIC_FILES) copyFileSync(join(RENDERER, f), join(outDir, f));
}
