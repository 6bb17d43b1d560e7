// npm run bench:inventory — a full and an incremental inventory pass over a synthetic developer home of 200k
// files, side by side with `find` over the same tree and a naive recursive walk (readdir + lstat of everything,
// reading every package.json), as ratios. The home is generated once and cached in the temp dir.
// Raw results: bench-results/inventory.json.
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInventoryPass } from '../../agent/inventory/inventory-pass.ts';
import { SWEEP_PRUNE } from '../../agent/inventory/location-scanner.ts';
import { builtInPolicy, Matcher } from '../../policy/index.ts';
import { BenchRecord } from './bench-record.ts';

const TARGET_FILES = 200_000;
const ROUNDS = 3;
const record = new BenchRecord('inventory', { targetFiles: TARGET_FILES, rounds: ROUNDS, pageCache: 'warm' });
const base = join(tmpdir(), 'cordon-bench-home-200k');
const home = join(base, 'home', 'dev');

function file(path: string, text = ''): void {
  writeFileSync(path, text);
}

/** A home like a developer's: projects with sources, .git and their own node_modules, dotfiles, caches, and installs. */
function generate(): number {
  const staging = `${base}.staging-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  const h = join(staging, 'home', 'dev');
  let n = 0;
  const dir = (p: string) => mkdirSync(p, { recursive: true });
  // Installs the pass must find: a global npm prefix with a catalogued package among ordinary ones, ~/.local/bin.
  const nm = join(h, '.npm-global', 'lib', 'node_modules');
  for (let i = 0; i < 40; i++) {
    dir(join(nm, `tool-${i}`));
    file(join(nm, `tool-${i}`, 'package.json'), JSON.stringify({ name: `tool-${i}`, version: '1.0.0' }));
    n++;
  }
  dir(join(nm, '@google', 'gemini-cli', 'bundle'));
  file(join(nm, '@google', 'gemini-cli', 'package.json'), JSON.stringify({ name: '@google/gemini-cli', version: '0.61.0' }));
  file(join(nm, '@google', 'gemini-cli', 'bundle', 'gemini.js'), '#!/usr/bin/env node\n');
  dir(join(h, '.local', 'bin'));
  for (let i = 0; i < 60; i++) {
    file(join(h, '.local', 'bin', `script-${i}`), `#!/bin/sh\necho ${i}\n`);
    n++;
  }
  n += 2;
  let p = 0;
  while (n < TARGET_FILES) {
    const proj = join(h, 'projects', `project-${p++}`);
    dir(proj);
    file(join(proj, 'package.json'), JSON.stringify({ name: `project-${p}`, dependencies: {} }));
    n++;
    for (let d = 0; d < 30; d++) {
      const src = join(proj, 'src', `module-${d}`);
      dir(src);
      for (let f = 0; f < 25; f++) file(join(src, `file-${f}.ts`), 'export {};\n');
      n += 25;
    }
    for (let k = 0; k < 50; k++) {
      const pkg = join(proj, 'node_modules', `dep-${k}`, 'lib');
      dir(pkg);
      file(join(proj, 'node_modules', `dep-${k}`, 'package.json'), `{"name":"dep-${k}"}`);
      for (let f = 0; f < 30; f++) file(join(pkg, `f${f}.js`), '');
      n += 31;
    }
    for (let o = 0; o < 64; o++) {
      const obj = join(proj, '.git', 'objects', o.toString(16).padStart(2, '0'));
      dir(obj);
      for (let f = 0; f < 8; f++) file(join(obj, `${f}`.padStart(38, 'a')), '');
      n += 8;
    }
  }
  for (let d = 0; d < 100; d++) {
    const docs = join(h, 'Documents', `folder-${d}`);
    dir(docs);
    for (let f = 0; f < 20; f++) file(join(docs, `note-${f}.md`), '# note\n');
  }
  n += 2000;
  file(join(staging, '.complete'), `${n}\n`);
  renameSync(staging, base);
  return n;
}

function timeMs(fn: () => unknown): number {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

async function timeMsAsync(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

function naiveWalk(dir: string): number {
  let n = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = lstatSync(p);
    n++;
    if (st.isDirectory()) n += naiveWalk(p);
    else if (name === 'package.json') JSON.parse(readFileSync(p, 'utf8'));
  }
  return n;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

if (!existsSync(join(base, '.complete'))) {
  process.stdout.write(`generating a ${TARGET_FILES.toLocaleString('en-US')}-file home in ${base} (once)…\n`);
  generate();
}
const files = Number(readFileSync(join(base, '.complete'), 'utf8'));
const matcher = new Matcher(builtInPolicy());
const homes = [{ user: 'dev', home }];
const stateRoot = join(tmpdir(), `cordon-bench-inventory-${process.pid}`);

// Warm the page cache so every contender reads from memory.
execFileSync('find', [home], { stdio: 'ignore' });
const rounds = ROUNDS;
const find: number[] = [];
const findPruned: number[] = [];
const pruneArgs = [home, '(', ...[...SWEEP_PRUNE].flatMap((n, i) => [...(i ? ['-o'] : []), '-name', n]), ')', '-prune', '-o', '-print'];
const naive: number[] = [];
const full: number[] = [];
const incremental: number[] = [];
let found = 0;
let stats = '';
for (let r = 0; r < rounds; r++) {
  find.push(timeMs(() => execFileSync('find', [home], { stdio: 'ignore' })));
  findPruned.push(timeMs(() => execFileSync('find', pruneArgs, { stdio: 'ignore' })));
  naive.push(timeMs(() => naiveWalk(home)));
  const stateDir = join(stateRoot, `round-${r}`);
  full.push(
    await timeMsAsync(async () => {
      const res = await runInventoryPass({ stateDir, matcher, homes, machine: false, env: { PATH: '' } });
      found = res.items.length;
    }),
  );
  incremental.push(
    await timeMsAsync(async () => {
      const res = await runInventoryPass({ stateDir, matcher, homes, machine: false, env: { PATH: '' } });
      stats = `${res.stats.dirsRead} dirs read, ${res.stats.dirsReused} reused, ${res.stats.identified} files identified`;
    }),
  );
}
rmSync(stateRoot, { recursive: true, force: true });

const f = median(find);
const row = (name: string, ms: number) => `| ${name} | ${ms.toFixed(0)} | ${(ms / f).toFixed(2)}× | ${(ms / median(naive)).toFixed(2)}× |`;
console.log(`inventory benchmark — synthetic home of ${files.toLocaleString('en-US')} files (${base}), warm page cache, median of ${rounds}`);
console.log(`found ${found} installed tool(s); incremental pass: ${stats}`);
console.log('');
console.log('| contender | ms | vs find | vs naive walk |');
console.log('|---|---:|---:|---:|');
console.log(row('find HOME (whole tree)', f));
console.log(row('find HOME with the same pruning (node_modules, .git, caches)', median(findPruned)));
console.log(row('naive recursive walk (readdir + lstat all, read package.json)', median(naive)));
console.log(row('Cordon inventory, full pass', median(full)));
console.log(row('Cordon inventory, incremental pass', median(incremental)));

const ms = { find: f, findPruned: median(findPruned), naiveWalk: median(naive), inventoryFull: median(full), inventoryIncremental: median(incremental) };
record.write({
  files,
  toolsFound: found,
  incrementalPass: stats,
  medianMs: ms,
  allMs: { find, findPruned, naiveWalk: naive, inventoryFull: full, inventoryIncremental: incremental },
  ratioToFind: Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, v / f])),
  ratioToNaiveWalk: Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, v / ms.naiveWalk])),
});
