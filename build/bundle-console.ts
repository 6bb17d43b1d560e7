// Bundles the admin console: console/main.ts → console.js (one minified IIFE the CSP allows as 'self'), plus its
// HTML, CSS and icon. `cordon server` serves the result at /. Prints the sizes, raw and gzipped.
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const CONSOLE = fileURLToPath(new URL('../console/', import.meta.url));
export const CONSOLE_STATIC_FILES = ['index.html', 'console.css', 'shield.svg'];

export async function bundleConsole(outDir: string): Promise<{ file: string; bytes: number; gzipBytes: number }[]> {
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: [join(CONSOLE, 'main.ts')], outfile: join(outDir, 'console.js'), bundle: true, minify: true, format: 'iife', platform: 'browser',
    target: 'chrome110', legalComments: 'none', charset: 'utf8', logLevel: 'warning',
  });
  for (const f of CONSOLE_STATIC_FILES) copyFileSync(join(CONSOLE, f), join(outDir, f));
  return ['console.js', ...CONSOLE_STATIC_FILES].map((file) => {
    const body = readFileSync(join(outDir, file));
    return { file, bytes: body.length, gzipBytes: gzipSync(body).length };
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = process.argv[2] ?? fileURLToPath(new URL('../dist/console/', import.meta.url));
  for (const s of await bundleConsole(out)) process.stdout.write(`${s.file}: ${s.bytes} bytes, ${s.gzipBytes} gzipped\n`);
}
