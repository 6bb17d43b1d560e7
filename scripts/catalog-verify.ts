// npm run catalog:verify — fetches the latest and a few older releases of every catalogued npm tool into a cache
// (scripts/catalog-verify/targets.ts), checks that each one's content evidence recognises it with no package or
// path to help, and that no look-alike (the corpus below, the other tools) is taken for it. Prints a table
// tool × version × evidence and writes the raw results to bench-results/catalog-verify.json.
// --fast: only the cached versions, fetching nothing (what the test suite runs).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { builtInCatalog } from '../policy/catalog.ts';
import { BenchRecord } from '../test/bench/bench-record.ts';
import { compilePolicy } from '../policy/compiled-policy.ts';
import { loadedFiles } from './catalog-verify/loaded-files.ts';
import { fetchLookAlikePackages, lookAlikeFiles } from './catalog-verify/look-alikes.ts';
import { cachedPackage, CATALOG_VERIFY_CACHE, pickVersions, publishedVersions } from './catalog-verify/package-cache.ts';
import { VERIFY_TARGETS } from './catalog-verify/targets.ts';
import { ContentJudge, type FileVerdict } from './catalog-verify/verify-file.ts';

export interface VerifyRow extends FileVerdict {
  expected: string;
  pkg: string;
  version: string;
  file: string;
  /** For a script: the package file that carried the evidence (the entry, or a file it loads); null when none. */
  carrier: string | null;
  /** How many package files the entry loads (itself included) were judged. */
  judged: number;
  /**
   * What the carrier would be taken for if this tool's own entry were missing from the catalog (forks: Kilo of
   * OpenCode, Qwen Code and Qoder of Gemini CLI). Must be nothing: otherwise only catalog order keeps it right.
   */
  otherwise: string | null;
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
  const judgesWithout = new Map<string, ContentJudge>();
  // The tool itself and what embeds it (an adapter) are left out: what would claim the file then is a rival.
  const judgeWithout = (toolId: string) => {
    let j = judgesWithout.get(toolId);
    if (!j) judgesWithout.set(toolId, (j = new ContentJudge(policy.tools.filter((x) => x.id !== toolId && x.embeds !== toolId))));
    return j;
  };
  const rows: VerifyRow[] = [];
  if (!options.fast) fetchLookAlikePackages(options.log);
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
      const script = /\.(?:c|m)?js$/.test(file);
      // A script is judged with every package file it loads, nearest first, as the exec guard sees them opened;
      // the first one identified carries the evidence, and none may be taken for another tool.
      const files = script ? loadedFiles(dir, file) : [join(dir, file)];
      const verdicts = files.map((f) => ({ f, v: judge.judge(f, script ? 'script' : 'native') }));
      const matches = (v: FileVerdict) => v.toolId === t.toolId || v.via === t.toolId;
      const hit = verdicts.find((x) => x.v.toolId !== null && matches(x.v)) ?? verdicts.find((x) => x.v.toolId !== null);
      const other = verdicts.find((x) => x.v.toolId !== null && !matches(x.v));
      const verdict = other?.v ?? hit?.v ?? verdicts[0]!.v;
      const ms = verdicts.reduce((sum, x) => sum + x.v.ms, 0);
      const carrier = (other ?? hit)?.f.slice(dir.length + 1) ?? null;
      const claimed = hit && !other ? judgeWithout(hit.v.via ?? t.toolId).judge(hit.f, script ? 'script' : 'native') : null;
      const otherwise = claimed?.toolId ? `${claimed.toolId}${claimed.via ? ` via ${claimed.via}` : ''} (${claimed.detail})` : null;
      // A library or adapter's own evidence is reported as the tool it embeds, reached via it.
      rows.push({ expected: t.toolId, pkg: t.pkg, version, file, carrier, judged: files.length, otherwise, ...verdict, ms, ok: !other && hit !== undefined && matches(hit.v) && otherwise === null });
    }
  }
  const lookAlikes = lookAlikeFiles().map((l) => {
    const verdict = judge.judge(l.path, l.kind);
    return { name: l.name, path: l.path, ...verdict, ok: verdict.toolId === null };
  });
  return { catalogTools: catalog.ids.length, rows, lookAlikes };
}

function table(rows: VerifyRow[]): string {
  const lines = ['| tool | package | version | file (carrier, of files judged) | recognised as | evidence | ms |', '|---|---|---|---|---|---|---|'];
  for (const r of rows) {
    const carried = r.carrier && r.carrier !== r.file ? ` (${r.carrier}, of ${r.judged})` : r.judged > 1 ? ` (of ${r.judged})` : '';
    lines.push(`| ${r.expected} | ${r.pkg} | ${r.version} | ${r.file}${carried} | ${r.toolId ?? '**none**'}${r.via ? ` via ${r.via}` : ''}${r.ok || r.toolId === null ? '' : ' **WRONG**'}${r.otherwise ? `; else **${r.otherwise}**` : ''} | ${r.detail ?? '—'} | ${r.ms.toFixed(1)} |`);
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const fast = process.argv.includes('--fast');
  // Commit, machine and load, as every raw result in bench-results/ carries them.
  const record = new BenchRecord('catalog-verify', { fast, cache: CATALOG_VERIFY_CACHE }, `npm run catalog:verify${fast ? ' -- --fast' : ''}`);
  const result = runCatalogVerify({ fast, log: (l) => console.error(l) });
  console.log(table(result.rows));
  console.log('\n| look-alike | judged as | ok |\n|---|---|---|');
  for (const l of result.lookAlikes) console.log(`| ${l.name} | ${l.toolId ?? 'nothing'} | ${l.ok ? 'yes' : '**NO**'} |`);
  const recognised = result.rows.filter((r) => r.ok).length;
  const wrong = result.rows.filter((r) => r.toolId !== null && !r.ok).length;
  const rivals = result.rows.filter((r) => r.otherwise !== null).length;
  const badLookAlikes = result.lookAlikes.filter((l) => !l.ok).length;
  console.log(`\n${result.rows.length} releases: ${recognised} recognised by content alone, ${result.rows.length - recognised - wrong} not, ${wrong} wrong (${rivals} of them also carrying another tool's evidence); ${badLookAlikes} of ${result.lookAlikes.length} look-alikes matched`);
  record.write({ releases: result.rows.length, recognised, notRecognised: result.rows.length - recognised - wrong, wrong, alsoAnotherTools: rivals, lookAlikesMatched: badLookAlikes, ...result });
  process.exitCode = wrong > 0 || badLookAlikes > 0 ? 1 : 0;
}
