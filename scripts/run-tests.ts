// `npm test`: every test file under test/, each in a process of its own (as `node --test` ran them), but the files
// that test/lanes.ts marks as sharing the machine safely run side by side in a few lanes, and every other file — the
// ones that need the machine to themselves, and any file not classified yet — runs alone afterwards. Each file's
// output is printed as one block when it ends, headed by its path; the summary names every failed file, and the
// exit status is non-zero when any file failed.
// Before the files run, the built-in policy is precompiled beside its sources (policy/, git-ignored), as the build
// does for an installed agent: otherwise every agent and CLI process the tests start compiles the same catalog
// again, loading YAML and the TypeBox compilers through tsx (an agent took 9–10 s to be ready on the loaded build
// machine without it, 3–4 s with it). The file counts only while its sources are unchanged (policy/precompiled-built-in-policy.ts).
//   node --import tsx scripts/run-tests.ts [--lanes N] [test files…]
// CORDON_TEST_LANES sets the lanes too (default 3; 1 runs every file in turn).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writePrecompiledBuiltInPolicy } from '../build/precompile-built-in-policy.ts';
import { planLanes, type LanePlan } from '../test/lanes.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
/**
 * Each file runs as `node --test` ran it, in a process of its own with Node's test harness: 5 minutes for each test
 * (a test may ask for more, as the kill -9 test does). Not through `node --test FILE`, which would also give the
 * whole FILE those 5 minutes: a file whose tests take longer in all would fail. --test-force-exit: once its tests
 * have ended, the process exits even if something a failed test started still runs (`node --test` ended such a
 * file at its time-out; without it the file would never end).
 */
const NODE_TEST_ARGS = ['--import', 'tsx', '--test-concurrency=1', '--test-timeout=300000', '--test-force-exit', '--test-reporter=spec'];
/** A guard against a file that never ends (a hang after its tests): no file of the suite came near it. */
const FILE_TIMEOUT_MS = 40 * 60_000;
const DEFAULT_LANES = 3;

interface FileResult {
  file: string;
  lane: string;
  seconds: number;
  /** The exit code, or the signal that ended it. */
  exit: number | NodeJS.Signals;
}

function usage(problem: string): never {
  process.stderr.write(`run-tests: ${problem}\nusage: node --import tsx scripts/run-tests.ts [--lanes N] [test files…]\n`);
  process.exit(2);
}

function parseLanes(text: string, where: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 8) usage(`${where} must be a whole number from 1 to 8, not ${JSON.stringify(text)}`);
  return n;
}

function allTestFiles(dir: string): string[] {
  const found: string[] = [];
  for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory()) found.push(...allTestFiles(path));
    else if (e.name.endsWith('.test.ts')) found.push(path);
  }
  return found.sort();
}

function parseArgs(argv: string[]): { lanes: number; files: string[] } {
  let lanes = process.env.CORDON_TEST_LANES ? parseLanes(process.env.CORDON_TEST_LANES, 'CORDON_TEST_LANES') : DEFAULT_LANES;
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--lanes') lanes = parseLanes(argv[++i] ?? '', '--lanes');
    else if (a.startsWith('-')) usage(`unknown option ${a}`);
    else {
      const file = relative(ROOT, join(process.cwd(), a));
      if (!file.endsWith('.test.ts') || !existsSync(join(ROOT, file))) usage(`${a} is not a test file (test/…/*.test.ts)`);
      files.push(file);
    }
  }
  return { lanes, files: files.length ? files : allTestFiles('test') };
}

const running = new Set<ChildProcess>();
/** Set when the run is stopped from outside: no further file starts. */
let stopping = false;

function runFile(file: string, lane: string): Promise<FileResult> {
  const started = performance.now();
  process.stdout.write(`▶ ${file} (${lane})\n`);
  const output: string[] = [];
  const child = spawn(process.execPath, [...NODE_TEST_ARGS, file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const guard = setTimeout(() => {
    output.push(`\nrun-tests: ${file} still running after ${FILE_TIMEOUT_MS / 60_000} min: killed\n`);
    child.kill('SIGKILL');
  }, FILE_TIMEOUT_MS);
  running.add(child);
  child.stdout!.setEncoding('utf8').on('data', (d: string) => output.push(d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => output.push(d));
  return new Promise((resolve) => {
    child.once('close', (code, signal) => {
      clearTimeout(guard);
      running.delete(child);
      const result: FileResult = { file, lane, seconds: (performance.now() - started) / 1000, exit: code ?? signal ?? 1 };
      const verdict = result.exit === 0 ? 'passed' : `FAILED (${typeof result.exit === 'number' ? `exit ${result.exit}` : result.exit})`;
      // One block per file, so files running side by side never interleave their lines.
      process.stdout.write(`\n──── ${file} (${lane}): ${verdict} in ${result.seconds.toFixed(1)} s ────\n${output.join('')}──── end of ${file} ────\n\n`);
      resolve(result);
    });
  });
}

async function runShared(files: string[], lanes: number): Promise<FileResult[]> {
  const queue = [...files];
  const results: FileResult[] = [];
  await Promise.all(
    Array.from({ length: Math.min(lanes, files.length) }, async (_, i) => {
      for (let file = queue.shift(); file && !stopping; file = queue.shift()) results.push(await runFile(file, `shared lane ${i + 1}`));
    }),
  );
  return results;
}

async function runExclusive(files: string[]): Promise<FileResult[]> {
  const results: FileResult[] = [];
  for (const file of files) if (!stopping) results.push(await runFile(file, 'exclusive'));
  return results;
}

function summary(results: FileResult[], phases: { shared: number; exclusive: number }, plan: LanePlan, lanes: number): string {
  const byTime = [...results].sort((a, b) => b.seconds - a.seconds);
  const failed = results.filter((r) => r.exit !== 0);
  const lines = [
    `${results.length} test files in ${(phases.shared + phases.exclusive).toFixed(0)} s: ${plan.shared.length} in ${lanes} shared lanes (${phases.shared.toFixed(0)} s), ${plan.exclusive.length} alone (${phases.exclusive.toFixed(0)} s)`,
    'slowest files:',
    ...byTime.slice(0, 15).map((r) => `  ${r.seconds.toFixed(1).padStart(7)} s  ${r.file} (${r.lane})`),
  ];
  if (plan.unclassified.length) lines.push(`not classified in test/lanes.ts, so run alone: ${plan.unclassified.join(', ')}`);
  lines.push(failed.length ? `FAILED: ${failed.length} file(s):\n${failed.map((r) => `  ${r.file} (${r.lane}, ${typeof r.exit === 'number' ? `exit ${r.exit}` : r.exit})`).join('\n')}` : 'every file passed');
  return lines.join('\n');
}

/** Every file's time, for comparing runs (out/ is not committed). */
function recordTimes(results: FileResult[], wallSeconds: number): string {
  const dir = join(ROOT, 'out');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'test-times.tsv');
  const rows = [...results].sort((a, b) => b.seconds - a.seconds).map((r) => `${r.file}\t${r.seconds.toFixed(1)}\t${r.lane}\t${r.exit}`);
  writeFileSync(file, `${rows.join('\n')}\nTOTAL\t${wallSeconds.toFixed(1)}\n`);
  return relative(ROOT, file);
}

// Stopped from outside (a CI timeout, Ctrl+C): no further file starts, the running ones get the signal, and each
// one's output so far is still printed when it ends.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    stopping = true;
    process.exitCode = 130;
    for (const child of running.keys()) child.kill(signal);
  });
}

const { lanes, files } = parseArgs(process.argv.slice(2));
let plan: LanePlan;
try {
  plan = planLanes(files, (f) => existsSync(join(ROOT, f)));
} catch (err) {
  usage((err as Error).message);
}
writePrecompiledBuiltInPolicy(join(ROOT, 'policy'));
const started = performance.now();
const shared = await runShared(plan.shared, lanes);
const sharedDone = performance.now();
const exclusive = await runExclusive(plan.exclusive);
const phases = { shared: (sharedDone - started) / 1000, exclusive: (performance.now() - sharedDone) / 1000 };
const results = [...shared, ...exclusive];
process.stdout.write(`${summary(results, phases, plan, lanes)}\nper-file times: ${recordTimes(results, phases.shared + phases.exclusive)}\n`);
if (results.some((r) => r.exit !== 0)) process.exitCode ??= 1;
