// npm run catalog:suggest-markers -- TOOL_ID [--window BYTES] — proposes content markers for one catalogued tool:
// the strings found in the head (or tail) window of EVERY cached release of the tool's files (see
// scripts/catalog-verify/targets.ts; run `npm run catalog:verify` first to fill the cache) and in NO other tool's
// file nor any look-alike. A maintainer picks 4–6 of them that name the tool's own concepts (its env variables,
// config folder, package name), puts them in the catalog entry with `atLeast`, and re-runs catalog:verify.
import { existsSync, openSync, readSync, closeSync, fstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lookAlikeFiles } from './catalog-verify/look-alikes.ts';
import { CATALOG_VERIFY_CACHE } from './catalog-verify/package-cache.ts';
import { VERIFY_TARGETS } from './catalog-verify/targets.ts';

// Identifiers, paths and env-variable names; short ones only when they look like an env variable.
const TOKEN = /[A-Z][A-Z0-9]*_[A-Z0-9_]{3,60}|[A-Za-z_@~.][A-Za-z0-9_@/.~:-]{9,63}/g;

function cachedFiles(toolId: string): string[] {
  const out: string[] = [];
  if (!existsSync(CATALOG_VERIFY_CACHE)) return out;
  for (const t of VERIFY_TARGETS.filter((x) => x.toolId === toolId)) {
    const prefix = `${t.pkg.replace('/', '+')}@`;
    for (const d of readdirSync(CATALOG_VERIFY_CACHE).filter((x) => x.startsWith(prefix) && !x.includes('.staging'))) {
      const dir = join(CATALOG_VERIFY_CACHE, d, 'package');
      const file = t.files.find((f) => existsSync(join(dir, f)));
      if (file) out.push(join(dir, file));
    }
  }
  return out;
}

function window(path: string, region: 'head' | 'tail', bytes: number): string {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const len = Math.min(bytes, size);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, region === 'head' ? 0 : size - len);
    return buf.toString('latin1');
  } finally {
    closeSync(fd);
  }
}

function tokens(text: string): Set<string> {
  return new Set(text.match(TOKEN) ?? []);
}

function main(): void {
  const toolId = process.argv[2];
  if (!toolId) throw new Error('usage: catalog:suggest-markers TOOL_ID [--window BYTES]');
  const wi = process.argv.indexOf('--window');
  const bytes = wi > 0 ? Number(process.argv[wi + 1]) : 262_144;
  const mine = cachedFiles(toolId);
  if (!mine.length) throw new Error(`no cached release of ${toolId}: run npm run catalog:verify first`);
  const others = [
    ...new Set(VERIFY_TARGETS.filter((t) => t.toolId !== toolId).map((t) => t.toolId)),
  ].flatMap(cachedFiles);
  const lookAlikes = lookAlikeFiles().map((l) => l.path);
  for (const region of ['head', 'tail'] as const) {
    // How many releases carry each string in this window; markers use `atLeast`, so a string missing from one
    // release can still serve beside others.
    const coverage = new Map<string, number>();
    for (const f of mine) for (const t of tokens(window(f, region, bytes))) coverage.set(t, (coverage.get(t) ?? 0) + 1);
    const need = Math.max(1, mine.length - 1);
    let candidates = [...coverage].filter(([, n]) => n >= need).map(([t]) => t);
    // Exclude anything another tool or a look-alike contains anywhere (whole file, not just a window).
    for (const other of [...others, ...lookAlikes]) {
      if (!candidates.length) break;
      const body = readFileSync(other);
      candidates = candidates.filter((c) => body.indexOf(c, 0, 'latin1') < 0);
    }
    const rank = (c: string) => (/[A-Z_]{6,}/.test(c) ? 2 : 0) + (c.includes(toolId.split('-')[0]!) ? 3 : 0) + (c.includes('/') ? 1 : 0);
    candidates.sort((a, b) => (coverage.get(b)! - coverage.get(a)!) || rank(b) - rank(a) || a.length - b.length);
    console.log(`\n${toolId} ${region} ${bytes} B: ${candidates.length} strings in ≥${need} of ${mine.length} releases and in nothing else`);
    for (const c of candidates.slice(0, 40)) console.log(`  ${coverage.get(c)}/${mine.length} ${JSON.stringify(c)}`);
  }
}

main();
