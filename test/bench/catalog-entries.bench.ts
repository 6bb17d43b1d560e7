// node --import tsx test/bench/catalog-entries.bench.ts [ID…] — what catalog entries cost the matcher: the same
// first-seen files and the same process observations judged with the whole catalog and with the catalog minus
// the named entries (default: the ones issue 18 added), alternating runs so that machine noise hits both alike.
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtInPolicy, Matcher, type CompiledPolicy, type ProcessObservation } from '../../policy/index.ts';
import { ToolIdentifier } from '../../policy/tool-identifier.ts';
import { NodeFileProbe } from '../../policy/file-probe.ts';
import { VERIFY_TARGETS } from '../../scripts/catalog-verify/targets.ts';
import { CATALOG_VERIFY_CACHE } from '../../scripts/catalog-verify/package-cache.ts';
import { materialize, NEGATIVE, POSITIVE, resolveCase } from '../fixtures/matcher-corpus.ts';

const ADDED = ['kimi-code', 'claude-agent-sdk', 'claude-code-acp', 'codex-acp', 'openclaw', 'letta-code', 'codebuff', 'mistral-vibe', 'mini-swe-agent', 'openhands', 'trae-agent'];
const removed = new Set(process.argv.slice(2).length ? process.argv.slice(2) : ADDED);

const full = builtInPolicy();
const without: CompiledPolicy = {
  ...full,
  tools: full.tools.filter((t) => !removed.has(t.id)),
  rules: full.rules.map((r) => ({ ...r, tools: r.tools.filter((id) => !removed.has(id)) })),
};

// First-seen files: every cached release's run file (catalog:verify fills the cache) and the look-alike binaries.
const files: { path: string; kind: 'native' | 'script' }[] = [];
for (const t of VERIFY_TARGETS) {
  const prefix = `${t.pkg.replace('/', '+')}@`;
  if (!existsSync(CATALOG_VERIFY_CACHE)) break;
  for (const d of readdirSync(CATALOG_VERIFY_CACHE).filter((x) => x.startsWith(prefix) && !x.includes('.staging'))) {
    const dir = join(CATALOG_VERIFY_CACHE, d, 'package');
    const f = t.files.find((x) => existsSync(join(dir, x)));
    if (f) files.push({ path: join(dir, f), kind: f.endsWith('js') ? 'script' : 'native' });
  }
}
for (const p of ['/usr/bin/node', '/usr/bin/python3', '/usr/bin/git', '/usr/bin/vim.basic']) if (existsSync(p)) files.push({ path: p, kind: 'native' });

/** ms per first-seen file: a fresh identifier (empty caches) judges every file once. Content only: no manifests. */
function perFile(policy: CompiledPolicy): number {
  const tools = policy.tools.map((t) => ({ ...t, signatures: { ...t.signatures, paths: undefined, npm: undefined, pypi: undefined, homebrew: undefined } }));
  const id = new ToolIdentifier(tools, new NodeFileProbe());
  const t0 = performance.now();
  for (const f of files) id.identifyFile(f.path, f.kind);
  return (performance.now() - t0) / files.length;
}

const root = mkdtempSync(join(tmpdir(), 'cordon-bench-catalog-'));
materialize(root);
const observations: ProcessObservation[] = [...POSITIVE, ...NEGATIVE].map((c, i) => {
  const r = resolveCase(c, root);
  return { pid: 200000 + i, ppid: 1, uid: 1000, startTime: 1, exe: r.exe, argv: r.argv, cwd: () => r.cwd ?? null };
});

/** µs per process observation: first sight (new matcher each round) and warm (caches filled). */
function perProcess(policy: CompiledPolicy): { cold: number; warm: number } {
  const rounds = 20;
  let t0 = performance.now();
  for (let i = 0; i < rounds; i++) {
    const m = new Matcher(policy);
    for (const o of observations) m.matchProcess(o);
  }
  const cold = ((performance.now() - t0) * 1000) / (rounds * observations.length);
  const m = new Matcher(policy);
  for (const o of observations) m.matchProcess(o);
  t0 = performance.now();
  for (let i = 0; i < rounds * 10; i++) for (const o of observations) m.matchProcess(o);
  const warm = ((performance.now() - t0) * 1000) / (rounds * 10 * observations.length);
  return { cold, warm };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const runs = { with: { file: [] as number[], cold: [] as number[], warm: [] as number[] }, without: { file: [] as number[], cold: [] as number[], warm: [] as number[] } };
perFile(full); // fill the page cache once, so neither side pays for the disk
for (let i = 0; i < 5; i++) {
  for (const [name, policy] of [['without', without], ['with', full]] as const) {
    runs[name].file.push(perFile(policy));
    const p = perProcess(policy);
    runs[name].cold.push(p.cold);
    runs[name].warm.push(p.warm);
  }
}
console.log(`catalog entry cost — ${files.length} first-seen files (cached releases + look-alikes), ${observations.length} corpus processes; median of 5 alternating runs`);
console.log(`removed for "without": ${[...removed].filter((id) => full.tools.some((t) => t.id === id)).join(', ')}`);
console.log('');
console.log('| catalog | tools | ms per first-seen file | µs per process, first sight | µs per process, warm |');
console.log('|---|---:|---:|---:|---:|');
for (const [name, policy] of [['without', without], ['with', full]] as const)
  console.log(`| ${name} the new entries | ${policy.tools.length} | ${median(runs[name].file).toFixed(2)} | ${median(runs[name].cold).toFixed(1)} | ${median(runs[name].warm).toFixed(2)} |`);
