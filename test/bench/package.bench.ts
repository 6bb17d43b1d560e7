// npm run bench:package — what the agent costs as a developer runs it and as a package would, side by side in
// one run: the sources through tsx (what `npx cordon agent` runs, minus npx's own npm process), the tsc build in
// dist/ run by node, and the esbuild bundle run by plain node. For each: time from launch until a banned
// look-alike started at the same moment is stopped and until the status socket answers "enforcing"; steady RSS
// and idle CPU with BENCH_PROCESSES (default 2,000) processes on the machine; RSS after the first inventory
// pass; bytes on disk. Every agent is scoped (--scope-pid) to this benchmark's own processes. A bare Node process
// with a 100 ms timer, measured the same way, is the floor. Raw results: bench-results/package.json.
//   BENCH_COMPARE_TO=DIR   also measures the tsx run of another checkout (e.g. `git archive main` with a
//                          node_modules link), for before/after figures.
import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { statusApiRequest } from '../../agent/status-client.ts';
import type { AgentStatus } from '../../agent/status-types.ts';
import { bundleCli, treeBytes } from '../support/cli-bundle.ts';
import { startNpmLayoutProcess } from '../support/npm-layout-process.ts';
import { startBareNode } from './bare-node-baseline.ts';
import { BenchRecord } from './bench-record.ts';
import { processCpuSeconds } from './process-cpu.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PROCESSES = Number(process.env.BENCH_PROCESSES ?? 2000);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 10);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 5);
const STARTS = Number(process.env.BENCH_STARTS ?? 3);
const INVENTORY_TIMEOUT_SECONDS = Number(process.env.BENCH_INVENTORY_TIMEOUT ?? 90);
const record = new BenchRecord('package', {
  processes: PROCESSES,
  idleSeconds: IDLE_SECONDS,
  warmupSeconds: WARMUP_SECONDS,
  starts: STARTS,
  inventoryTimeoutSeconds: INVENTORY_TIMEOUT_SECONDS,
  compareTo: process.env.BENCH_COMPARE_TO ?? null,
});

interface Variant {
  name: string;
  /** node arguments up to and including the entry script. */
  argv: string[];
  bytes?: number;
}

const sleepers: ChildProcess[] = [];
const cleanups: (() => void)[] = [];
function cleanUp(): void {
  for (const s of sleepers) s.kill('SIGKILL');
  sleepers.length = 0;
  for (const c of cleanups.splice(0)) c();
}
process.on('SIGINT', () => {
  cleanUp();
  process.exit(130);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function pids(): number[] {
  return readdirSync('/proc').filter((n) => n.charCodeAt(0) >= 48 && n.charCodeAt(0) <= 57).map(Number);
}
function statFields(pid: number): string[] | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return s.slice(s.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}
/** The pid and every descendant (tsx runs esbuild as a child service: it counts). */
function tree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const pid of pids()) {
    const f = statFields(pid);
    if (!f) continue;
    const ppid = Number(f[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) out.push(...(children.get(out[i]!) ?? []));
  return out;
}
function cpuSeconds(pids: number[]): number {
  return pids.reduce((total, pid) => total + processCpuSeconds(pid), 0);
}
function rssMiB(pids: number[]): number {
  let kb = 0;
  for (const pid of pids) {
    try {
      kb += Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // exited
    }
  }
  return kb / 1024;
}
const lastPid = () => Number(readFileSync('/proc/loadavg', 'latin1').trim().split(' ').pop());

async function topUpTo(target: number): Promise<void> {
  for (let n = pids().length; n < target; n++) sleepers.push(spawn('sleep', ['3600'], { stdio: 'ignore' }));
  await sleep(1000);
}

interface RunningAgent {
  child: ChildProcess;
  socket: string;
  stateDir: string;
  stop(): Promise<void>;
}

function launch(v: Variant, extra: string[]): RunningAgent {
  const stateDir = mkdtempSync(join(tmpdir(), 'cordon-bench-package-'));
  const socket = join(stateDir, 'agent.sock');
  const child = spawn(process.execPath, [...v.argv, 'agent', '--state-dir', stateDir, '--socket', socket, '--scope-pid', String(process.pid), ...extra], {
    // No managed config here: every variant runs unconnected on the built-in policy.
    env: { ...process.env, CORDON_LOG_LEVEL: 'warn', CORDON_CONFIG: join(stateDir, 'no-agent.yaml') },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d.slice(0, 4000)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const agent = {
    child,
    socket,
    stateDir,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(stateDir, { recursive: true, force: true });
      if (child.exitCode && child.exitCode !== 0) console.error(`   (${v.name} exited ${child.exitCode}: ${stderr.slice(0, 500)})`);
    },
  };
  cleanups.push(() => child.kill('SIGKILL'));
  return agent;
}

/** Wall time from t0 until the socket answers "enforcing", and the CPU the agent (and its children) used by then. */
async function enforcingAt(agent: RunningAgent, t0: number): Promise<{ ms: number; cpuMs: number }> {
  for (;;) {
    if (agent.child.exitCode !== null) throw new Error('agent exited before it enforced');
    try {
      const s = (await statusApiRequest<AgentStatus>(agent.socket, 'GET', '/v1/status', undefined, 2000)).body;
      if (s.mode === 'enforce') return { ms: performance.now() - t0, cpuMs: cpuSeconds(tree(agent.child.pid!)) * 1000 };
    } catch {
      // not listening yet
    }
    await sleep(5);
  }
}

/** Launch → the look-alike started at the same moment is stopped, and → the socket answers "enforcing". */
async function startTimes(v: Variant): Promise<{ stoppedMs: number; enforcingMs: number; enforcingCpuMs: number }> {
  const stopped: number[] = [];
  const enforcing: number[] = [];
  const enforcingCpu: number[] = [];
  const scratch = mkdtempSync(join(tmpdir(), 'cordon-bench-lookalike-'));
  for (let i = 0; i < STARTS; i++) {
    const t0 = performance.now();
    const agent = launch(v, ['--inventory', 'off']);
    const lookalike = startNpmLayoutProcess('@anthropic-ai/claude-code', 'claude', mkdtempSync(join(scratch, 'l-')));
    const gone = new Promise<number>((r) => lookalike.once('exit', () => r(performance.now() - t0)));
    const [e, s] = await Promise.all([enforcingAt(agent, t0), Promise.race([gone, sleep(60_000).then(() => NaN)])]);
    lookalike.kill('SIGKILL');
    enforcing.push(e.ms);
    enforcingCpu.push(e.cpuMs);
    stopped.push(s);
    await agent.stop();
  }
  rmSync(scratch, { recursive: true, force: true });
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { stoppedMs: median(stopped), enforcingMs: median(enforcing), enforcingCpuMs: median(enforcingCpu) };
}

async function idle(v: Variant): Promise<{ rss: number; cpu: number; newPidsPerSecond: number }> {
  const agent = launch(v, ['--inventory', 'off']);
  await enforcingAt(agent, performance.now());
  await sleep(WARMUP_SECONDS * 1000);
  const members = tree(agent.child.pid!);
  const c0 = cpuSeconds(members);
  const p0 = lastPid();
  const t0 = performance.now();
  await sleep(IDLE_SECONDS * 1000);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = ((cpuSeconds(members) - c0) / seconds) * 100;
  const newPidsPerSecond = (lastPid() - p0) / seconds;
  const rss = rssMiB(tree(agent.child.pid!));
  await agent.stop();
  return { rss, cpu, newPidsPerSecond };
}

/** The floor: a bare Node process with a 100 ms timer, measured as idle() measures an agent. */
async function bareNode(): Promise<{ rss: number; cpu: number }> {
  const bare = startBareNode();
  await sleep(WARMUP_SECONDS * 1000);
  const pid = bare.child.pid!;
  const c0 = processCpuSeconds(pid);
  const t0 = performance.now();
  await sleep(IDLE_SECONDS * 1000);
  const cpu = ((processCpuSeconds(pid) - c0) / ((performance.now() - t0) / 1000)) * 100;
  const rss = rssMiB([pid]);
  await bare.stop();
  return { rss, cpu };
}

/** RSS once the first inventory pass (report only: nothing is moved) has written its state. */
async function afterInventory(v: Variant): Promise<number> {
  const agent = launch(v, ['--inventory', 'report']);
  await enforcingAt(agent, performance.now());
  const deadline = Date.now() + INVENTORY_TIMEOUT_SECONDS * 1000;
  while (!existsSync(join(agent.stateDir, 'inventory.json')) && Date.now() < deadline) await sleep(250);
  await sleep(3000);
  const rss = existsSync(join(agent.stateDir, 'inventory.json')) ? rssMiB(tree(agent.child.pid!)) : NaN;
  await agent.stop();
  return rss;
}

async function variants(): Promise<Variant[]> {
  const out: Variant[] = [{ name: 'tsx (npx cordon agent)', argv: [join(ROOT, 'bin/cordon.js')] }];
  const dist = join(ROOT, 'out/bench-dist');
  console.log('building dist/ (tsc) and the esbuild bundle…');
  execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/build-app.ts'), '--out', dist], { stdio: 'ignore' });
  const compare = process.env.BENCH_COMPARE_TO;
  if (compare) {
    const name = compare.split('/').pop()!;
    const theirDist = join(compare, 'out/bench-dist');
    execFileSync(process.execPath, ['--import', 'tsx', join(compare, 'scripts/build-app.ts'), '--out', theirDist], { stdio: 'ignore', cwd: compare });
    out.unshift({ name: `tsx, ${name}`, argv: [join(compare, 'bin/cordon.js')] }, { name: `dist, ${name}`, argv: [join(theirDist, 'cli/cordon-entry.js')] });
  }
  out.push({ name: 'dist (tsc build, node)', argv: [join(dist, 'cli/cordon-entry.js')], bytes: treeBytes(join(dist, 'cli')) + treeBytes(join(dist, 'agent')) + treeBytes(join(dist, 'policy')) });
  const bundle = await bundleCli();
  out.push({ name: 'esbuild bundle, node', argv: [bundle.entry], bytes: bundle.bytes });
  return out;
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '—');

async function main(): Promise<void> {
  const list = await variants();
  await topUpTo(PROCESSES);
  console.log(`\n${pids().length} processes on the machine; ${STARTS} starts per variant (medians), ${IDLE_SECONDS} s idle after ${WARMUP_SECONDS} s warm-up; node ${process.version}`);
  const rows: { v: Variant; stoppedMs: number; enforcingMs: number; enforcingCpuMs: number; rss: number; cpu: number; churn: number; rssInventory: number }[] = [];
  for (const v of list) {
    const t = await startTimes(v);
    const i = await idle(v);
    const inv = await afterInventory(v);
    rows.push({ v, ...t, rss: i.rss, cpu: i.cpu, churn: i.newPidsPerSecond, rssInventory: inv });
    console.log(`   measured ${v.name}`);
  }
  const floor = await bareNode();
  cleanUp();
  const base = rows.find((r) => r.v.name.startsWith('tsx (npx'))!;
  const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : '—');
  console.log(`\nLoad average ${readFileSync('/proc/loadavg', 'latin1').split(' ').slice(0, 3).join(' ')} on ${availableParallelism()} cores: wall times include waiting for a core; CPU to enforcing does not.`);
  console.log('\n| variant | launch → look-alike stopped | launch → enforcing (wall) | CPU used to enforcing | steady RSS | idle CPU (% of a core) | RSS after 1st inventory pass | on disk |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.v.name} | ${fmt(r.stoppedMs)} ms (${ratio(r.stoppedMs, base.stoppedMs)}) | ${fmt(r.enforcingMs)} ms (${ratio(r.enforcingMs, base.enforcingMs)}) | ${fmt(r.enforcingCpuMs)} ms (${ratio(r.enforcingCpuMs, base.enforcingCpuMs)}) | ${fmt(r.rss)} MiB (${ratio(r.rss, base.rss)}) | ${fmt(r.cpu, 2)} (${ratio(r.cpu, base.cpu)}; ${fmt(r.churn)} new pids/s) | ${fmt(r.rssInventory)} MiB | ${r.v.bytes ? `${fmt(r.v.bytes / 1048576, 1)} MiB` : 'sources + node_modules'} |`,
    );
  }
  console.log(`| bare Node, a 100 ms timer (the floor) | | | | ${fmt(floor.rss)} MiB | ${fmt(floor.cpu, 2)} | | |`);
  record.write({
    processes: pids().length,
    variants: rows.map((r) => ({ name: r.v.name, bytesOnDisk: r.v.bytes ?? null, launchToLookalikeStoppedMs: r.stoppedMs, launchToEnforcingMs: r.enforcingMs, cpuToEnforcingMs: r.enforcingCpuMs, steadyRssMiB: r.rss, idleCpuPercentOfCore: r.cpu, newPidsPerSecond: r.churn, rssAfterFirstInventoryMiB: Number.isFinite(r.rssInventory) ? r.rssInventory : null })),
    bareNode: { steadyRssMiB: floor.rss, idleCpuPercentOfCore: floor.cpu },
  });
  console.log('\nRatios are against the tsx run. "new pids/s" is what else the machine started meanwhile (the watcher reads each new process).');
  console.log('Targets (issue 13): steady RSS < 60 MB, idle CPU < 0.3 % at 2,000 processes, launch → enforcing < 300 ms.');
}

try {
  await main();
} finally {
  cleanUp();
}
