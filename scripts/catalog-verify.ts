// npm run catalog:verify — fetches the latest and a few older releases of every catalogued npm tool into a cache
// (scripts/catalog-verify/targets.ts), checks that each one's content evidence recognises it with no package or
// path to help, and that no look-alike (the corpus below, the other tools) is taken for it. Prints a table
// tool × version × evidence and writes the raw results to bench-results/catalog-verify.json.
// --fast: only the cached versions, fetching nothing (what the test suite runs).
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtInCatalog } from '../policy/catalog.ts';
import { compilePolicy } from '../policy/compiled-policy.ts';
import { lookAlikeFiles } from './catalog-verify/look-alikes.ts';
import { cachedPackage, CATALOG_VERIFY_CACHE, pickVersions, publishedVersions } from './catalog-verify/package-cache.ts';
import { VERIFY_TARGETS } from './catalog-verify/targets.ts';
import { ContentJudge, type FileVerdict } from './catalog-verify/verify-file.ts';

export interface VerifyRow extends FileVerdict {
  expected: string;
  pkg: string;
  version: string;
  file: string;
  ok: boolean;
}

function cachedVersions(pkg: string): string[] {
  const prefix = `${pkg.replace('/', '+')}@`;
  if (!existsSync(CATALOG_VERIFY_CACHE)) return [];
  return readdirSync(CATALOG_VERIFY_CACHE)
    .filter((d) => d.startsWith(prefix) && existsSync(join(CATALOG_VERIFY_CACHE, d, '.complete')))
    .map((d) => d.slice(prefix.length));
}

export function runCatalogVerify(options: { fast: boolean; log?: (line: string) => void }) {
  const catalog = builtInCatalog();
  const policy = compilePolicy({ id: 'verify', name: 'verify', mode: 'enforce', rules: [{ id: 'all', tools: ['*'], action: 'block' }] } as never, catalog);
  const judge = new ContentJudge(policy.tools);
  const rows: VerifyRow[] = [];
  for (const t of VERIFY_TARGETS) {
    let versions: string[];
    try {
      versions = options.fast ? cachedVersions(t.pkg) : pickVersions(publishedVersions(t.pkg, t.keep), t.older, t.span);
    } catch (err) {
      options.log?.(`${t.pkg}: registry lookup failed: ${String(err).split('\n')[0]}`);
      continue;
    }
    for (const version of versions) {
      const dir = options.fast ? join(CATALOG_VERIFY_CACHE, `${t.pkg.replace('/', '+')}@${version}`, 'package') : cachedPackage(t.pkg, version);
      const file = t.files.find((f) => existsSync(join(dir, f)));
      if (!file) continue; // a placeholder release, or a layout this target does not describe
      const verdict = judge.judge(join(dir, file), file.endsWith('js') ? 'script' : 'native');
      // A library or adapter's own evidence is reported as the tool it embeds, reached via it.
      rows.push({ expected: t.toolId, pkg: t.pkg, version, file, ...verdict, ok: verdict.toolId === t.toolId || verdict.via === t.toolId });
    }
  }
  const lookAlikes = lookAlikeFiles().map((l) => {
    const verdict = judge.judge(l.path, l.kind);
    return { name: l.name, path: l.path, ...verdict, ok: verdict.toolId === null };
  });
  return { catalogTools: catalog.ids.length, rows, lookAlikes };
}

function table(rows: VerifyRow[]): string {
  const lines = ['| tool | package | version | file | recognised as | evidence | ms |', '|---|---|---|---|---|---|---|'];
  for (const r of rows)
    lines.push(`| ${r.expected} | ${r.pkg} | ${r.version} | ${r.file} | ${r.toolId ?? '**none**'}${r.via ? ` via ${r.via}` : ''}${r.ok || r.toolId === null ? '' : ' **WRONG**'} | ${r.detail ?? '—'} | ${r.ms.toFixed(1)} |`);
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const fast = process.argv.includes('--fast');
  const result = runCatalogVerify({ fast, log: (l) => console.error(l) });
  console.log(table(result.rows));
  console.log('\n| look-alike | judged as | ok |\n|---|---|---|');
  for (const l of result.lookAlikes) console.log(`| ${l.name} | ${l.toolId ?? 'nothing'} | ${l.ok ? 'yes' : '**NO**'} |`);
  const recognised = result.rows.filter((r) => r.ok).length;
  const wrong = result.rows.filter((r) => r.toolId !== null && !r.ok).length;
  const badLookAlikes = result.lookAlikes.filter((l) => !l.ok).length;
  console.log(`\n${result.rows.length} releases: ${recognised} recognised by content alone, ${result.rows.length - recognised - wrong} not, ${wrong} taken for another tool; ${badLookAlikes} of ${result.lookAlikes.length} look-alikes matched`);
  mkdirSync('bench-results', { recursive: true });
  writeFileSync('bench-results/catalog-verify.json', `${JSON.stringify({ at: new Date().toISOString(), ...result }, null, 2)}\n`);
  process.exitCode = wrong > 0 || badLookAlikes > 0 ? 1 : 0;
}
