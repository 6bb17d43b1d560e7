// The files node loads when it runs an entry script: the entry and, breadth first, every file it imports or
// requires by a relative specifier, inside the same package. A thin loader (`import './index.js'`, a 5 KB
// entry importing hashed chunks) carries no tool string itself; the bundle it loads does, and the exec guard
// judges each file an interpreter opens (FAN_OPEN). catalog:verify and catalog:suggest-markers judge this set.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const MAX_FILES = 200;
/** Only the head of a big bundle is read for its imports: esbuild and bun put static imports first. */
const IMPORT_SCAN_BYTES = 256 * 1024;
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)["'](\.{1,2}\/[^"'\n]+)["']/g;
/** `join(__dirname, 'cli.js')`: launchers that find their bundle beside themselves (Qwen Code, codebuff). */
const BESIDE = /__dirname\s*,\s*["']([\w./-]+\.(?:c|m)?js)["']/g;
const EXTENSIONS = ['', '.js', '.mjs', '.cjs', '/index.js'];

function resolveSpecifier(fromDir: string, spec: string): string | null {
  for (const ext of EXTENSIONS) {
    const candidate = resolve(fromDir, spec + ext);
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return null;
}

/** Relative imports of one script, resolved to existing files. */
export function relativeImports(file: string): string[] {
  const text = readFileSync(file).subarray(0, IMPORT_SCAN_BYTES).toString('latin1');
  const out: string[] = [];
  for (const m of [...text.matchAll(SPECIFIER), ...text.matchAll(BESIDE)]) {
    const spec = m[1] as string;
    const found = resolveSpecifier(dirname(file), spec.startsWith('.') ? spec : `./${spec}`);
    if (found) out.push(found);
  }
  return out;
}

/** The entry and the package files it loads, nearest first (the entry itself first). */
export function loadedFiles(packageDir: string, entry: string): string[] {
  const root = resolve(packageDir);
  const first = join(root, entry);
  const seen = new Set<string>([first]);
  const queue = [first];
  for (let i = 0; i < queue.length && seen.size < MAX_FILES; i++) {
    const file = queue[i] as string;
    if (!/\.(?:c|m)?js$/.test(file) && i > 0) continue;
    for (const next of relativeImports(file)) {
      if (!next.startsWith(`${root}/`) || seen.has(next) || !/\.(?:c|m)?js$/.test(next)) continue;
      seen.add(next);
      queue.push(next);
    }
  }
  return queue;
}
