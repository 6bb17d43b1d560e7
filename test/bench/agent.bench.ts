// npm run bench:agent — what the agent costs and how fast it stops a tool, side by side with the alternative a
// Node developer would reach for: polling systeminformation's process list (or ps-list) at the same interval.
//   1. one scan of the process table: Cordon's /proc source (first full read, then the incremental tick)
//      vs si.processes() vs ps-list, at 300 and 2000 processes;
//   2. idle cost of a running agent (CPU %, RSS) with 300 and 2000 processes, procfs vs systeminformation watcher,
//      over three consecutive windows (how much the figure moves), beside a bare Node process ticking every
//      100 ms in the same windows (the floor any Node poller pays);
//   3. launch→stop latency of the real Claude Code over BENCH_LAUNCHES launches (default 30), and how many
//      launches reached the (loopback) API first, for both watchers.
// Raw results: bench-results/agent.json.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import psList from 'ps-list';
import si from 'systeminformation';
import { ProcFsSource } from '../../agent/process/procfs-source.ts';
import { startAgent, type AgentProcess } from '../support/agent-process.ts';
import { prepareCliSession } from '../support/ai-cli-session.ts';
import { installRealCli } from '../support/real-clis.ts';
import { RequestRecorder } from '../support/request-recorder.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBareNode } from './bare-node-baseline.ts';
import { BenchRecord } from './bench-record.ts';
import { processCpuSeconds, processRssMiB } from './process-cpu.ts';

const LAUNCHES = Number(process.env.BENCH_LAUNCHES ?? 30);
/** Each idle measurement is three consecutive windows of this many seconds. */
const IDLE_WINDOW_SECONDS = Number(process.env.BENCH_IDLE_WINDOW_SECONDS ?? 5);
/** Start-up (first full read, the inventory's first pass over every home) is not idle: wait it out. */
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 12);
const CLK_TCK = 100;
const record = new BenchRecord('agent', { launches: LAUNCHES, idleWindowSeconds: IDLE_WINDOW_SECONDS, idleWindows: 3, warmupSeconds: WARMUP_SECONDS });
const figures: Record<string, unknown> = { scan: {}, idle: {}, launchToStop: {} };

const background: ChildProcess[] = [];
/** The kernel's last pid: how many processes and threads the machine started meanwhile (the watcher reads each). */
function lastPid(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').trim().split(' ').pop());
}
function processCount(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[3]!.split('/')[1]);
}
/** Tops the machine up to `target` user processes with idle sleepers (a busy developer workstation). */
async function topUpTo(target: number): Promise<void> {
  const now = (await psList()).length;
  for (let i = now; i < target; i++) background.push(spawn('sleep', ['3600'], { stdio: 'ignore' }));
  await new Promise((r) => setTimeout(r, 500));
}

/**
 * Mean wall and CPU time per call. `gapMs` spaces the calls: systeminformation answers a call made within 500 ms
 * of the previous one from its last result without scanning, which would flatter it.
 */
async function perScan(label: string, reps: number, fn: () => Promise<unknown> | unknown, gapMs = 0): Promise<{ label: string; wallMs: number; cpuMs: number }> {
  await fn();
  let wall = 0;
  let cpu = 0;
  for (let i = 0; i < reps; i++) {
    if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const k0 = childCpuSeconds();
    await fn();
    wall += performance.now() - t0;
    const c = process.cpuUsage(c0);
    cpu += (c.user + c.system) / 1000 + (childCpuSeconds() - k0) * 1000;
  }
  return { label, wallMs: wall / reps, cpuMs: cpu / reps };
}
/** CPU seconds of this process's waited-for children (ps and the shells systeminformation runs). */
function childCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) / CLK_TCK;
}

async function scanCost(target: number): Promise<void> {
  await topUpTo(target);
  const n = (await psList()).length;
  const rows = [
    await perScan('cordon procfs, first full read', 5, () => new ProcFsSource().pollSync()),
    await (async () => {
      const src = new ProcFsSource();
      src.pollSync();
      return perScan('cordon procfs, steady tick', 2000, () => src.pollSync());
    })(),
    await perScan('systeminformation.processes()', 3, () => si.processes(), 520),
    await perScan('ps-list', 5, () => psList(), 20),
  ];
  const base = rows[1]!;
  console.log(`\n1. One scan with ${n} processes (mean per scan; CPU includes child processes)`);
  for (const r of rows) {
    const ratio = r === base ? '1×' : `${(r.cpuMs / Math.max(base.cpuMs, 0.001)).toFixed(0)}× the tick's CPU`;
    console.log(`   ${r.label.padEnd(34)} wall ${r.wallMs.toFixed(3).padStart(8)} ms   cpu ${r.cpuMs.toFixed(3).padStart(8)} ms   ${ratio}`);
  }
  const full = rows[0]!;
  console.log(`   → a full /proc read is ${(rows[2]!.cpuMs / full.cpuMs).toFixed(1)}× cheaper than systeminformation, ${(rows[3]!.cpuMs / full.cpuMs).toFixed(1)}× cheaper than ps-list`);
  (figures.scan as Record<string, unknown>)[String(target)] = {
    processes: n,
    perScan: Object.fromEntries(rows.map((r) => [r.label, { wallMs: r.wallMs, cpuMs: r.cpuMs }])),
    cpuRatioToSteadyTick: { systeminformation: rows[2]!.cpuMs / base.cpuMs, psList: rows[3]!.cpuMs / base.cpuMs },
    cpuRatioToFullRead: { systeminformation: rows[2]!.cpuMs / full.cpuMs, psList: rows[3]!.cpuMs / full.cpuMs },
  };
}

async function idleCost(target: number): Promise<void> {
  await topUpTo(target);
  const processes = processCount();
  console.log(`\n2. A running agent, idle, ${processes} processes on the machine, 3 windows of ${IDLE_WINDOW_SECONDS} s (100 ms ticks), beside a bare Node process ticking every 100 ms`);
  const out: Record<string, unknown> = { processes };
  for (const watcher of ['procfs', 'systeminformation'] as const) {
    // Inventory off: its periodic pass over every home is not the watcher's idle cost.
    const agent = await startAgent({ args: ['--watcher', watcher, '--inventory', 'off'], env: { CORDON_LOG_LEVEL: 'warn' } });
    const bare = startBareNode();
    await new Promise((r) => setTimeout(r, WARMUP_SECONDS * 1000));
    const pids = { agent: agent.child.pid!, bare: bare.child.pid! };
    const windows: { agent: number; bare: number; newPidsPerSecond: number }[] = [];
    for (let w = 0; w < 3; w++) {
      const c0 = { agent: processCpuSeconds(pids.agent), bare: processCpuSeconds(pids.bare) };
      const p0 = lastPid();
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, IDLE_WINDOW_SECONDS * 1000));
      const seconds = (performance.now() - t0) / 1000;
      windows.push({ agent: ((processCpuSeconds(pids.agent) - c0.agent) / seconds) * 100, bare: ((processCpuSeconds(pids.bare) - c0.bare) / seconds) * 100, newPidsPerSecond: (lastPid() - p0) / seconds });
    }
    const rss = { agent: processRssMiB(pids.agent), bare: processRssMiB(pids.bare) };
    await bare.stop();
    await agent.stop();
    const mean = (k: 'agent' | 'bare') => windows.reduce((a, w) => a + w[k], 0) / windows.length;
    const range = (k: 'agent' | 'bare') => `${Math.min(...windows.map((w) => w[k])).toFixed(2)}–${Math.max(...windows.map((w) => w[k])).toFixed(2)}`;
    const churn = windows.reduce((a, w) => a + w.newPidsPerSecond, 0) / windows.length;
    console.log(`   watcher ${watcher.padEnd(18)} CPU ${mean('agent').toFixed(2).padStart(6)} % of one core (windows ${range('agent')})   RSS ${rss.agent.toFixed(0)} MiB   | bare Node ${mean('bare').toFixed(2)} % (${range('bare')}), RSS ${rss.bare.toFixed(0)} MiB   | ${churn.toFixed(0)} new pids/s on the machine`);
    out[watcher] = { cpuPercentOfCore: mean('agent'), cpuPercentWindows: windows.map((w) => w.agent), rssMiB: rss.agent, newPidsPerSecond: churn, bareNode: { cpuPercentOfCore: mean('bare'), cpuPercentWindows: windows.map((w) => w.bare), rssMiB: rss.bare } };
  }
  (figures.idle as Record<string, unknown>)[String(target)] = out;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function launchToStop(): Promise<void> {
  const claude = installRealCli('claude-code');
  console.log(`\n3. Launch → stop of the real Claude Code (${LAUNCHES} launches per watcher)`);
  for (const watcher of ['procfs', 'systeminformation'] as const) {
    const agent: AgentProcess = await startAgent({ args: ['--watcher', watcher], env: { CORDON_LOG_LEVEL: 'warn' } });
    const recorder = await RequestRecorder.start();
    const scratch = mkdtempSync(join(tmpdir(), 'cordon-bench-agent-'));
    const times: number[] = [];
    let reached = 0;
    let survived = 0;
    for (let i = 0; i < LAUNCHES; i++) {
      const session = prepareCliSession('claude-code', join(scratch, String(i % 4)), recorder.url);
      const since = Date.now();
      const t0 = performance.now();
      const child = spawn(claude.bin, session.args, { env: session.env, stdio: 'ignore', detached: true });
      const signal = await new Promise<NodeJS.Signals | null>((resolve) => {
        const timer = setTimeout(() => {
          process.kill(-child.pid!, 'SIGKILL');
          resolve(null);
        }, 10_000);
        child.once('exit', (_c, s) => {
          clearTimeout(timer);
          resolve(s);
        });
      });
      times.push(performance.now() - t0);
      if (signal !== 'SIGKILL') survived++;
      await new Promise((r) => setTimeout(r, 150));
      if (recorder.since(since).length) reached++;
    }
    await agent.stop();
    await recorder.close();
    const sorted = [...times].sort((a, b) => a - b);
    (figures.launchToStop as Record<string, unknown>)[watcher] = { launches: LAUNCHES, p50Ms: percentile(sorted, 50), p95Ms: percentile(sorted, 95), p99Ms: percentile(sorted, 99), maxMs: sorted.at(-1), reachedApiFirst: reached, notStopped: survived, allMs: times };
    console.log(
      `   watcher ${watcher.padEnd(18)} p50 ${percentile(sorted, 50).toFixed(0).padStart(5)} ms   p95 ${percentile(sorted, 95).toFixed(0).padStart(5)} ms   p99 ${percentile(sorted, 99).toFixed(0).padStart(5)} ms   max ${sorted.at(-1)!.toFixed(0).padStart(5)} ms   reached the API first: ${reached}/${LAUNCHES}   not stopped: ${survived}`,
    );
  }
}

try {
  console.log(`Cordon agent benchmark — ${new Date().toISOString()}, Node ${process.version}, ${(await si.cpu()).brand} ×${(await si.cpu()).cores}`);
  await scanCost(300);
  await idleCost(300);
  await scanCost(2000);
  await idleCost(2000);
  for (const c of background.splice(0)) c.kill('SIGKILL');
  await launchToStop();
  record.write(figures);
} finally {
  for (const c of background) c.kill('SIGKILL');
}
