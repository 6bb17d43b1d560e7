// npm run bench:exec-guard — what the Linux exec guard (fanotify) costs and what it buys, as root:
//   1. added latency per benign exec, guard on vs no agent: BENCH_EXECS (default 1,000) execs of /bin/true and
//      BENCH_NODE_EXECS (default 50) of `node -e 0`, timed fork→exit by a small C driver (p50, p99, ratio);
//      and the uncached cost: execs of never-seen copies of /bin/true (each one asks the agent);
//   2. idle CPU of the agent (+ helper) at 2,000 processes: exec guard (events, /proc backstop every 2 s) vs
//      /proc polling every 100 ms;
//   3. launch → deny/stop: the real Claude Code binary installed, a renamed hard link, a fresh renamed copy
//      (uncached: judged by content), script tools (`node cli.js`, `node -e "import(…)"`, a renamed node, the
//      entry file of a tool the inventory found), guard on vs /proc polling; each launch counted as prevented
//      (the tool never ran: exit 126 or node's EPERM), stopped (SIGKILL) or not stopped (still running after
//      BENCH_RUN_LIMIT_MS, then killed by the bench);
//   4. what judging a never-seen file by its content costs (the reason for the large-file deadline): the real
//      Claude Code binary and /bin/true, each by a fresh identifier.
// Raw results: bench-results/exec-guard.json.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent, type AgentProcess } from '../support/agent-process.ts';
import { execGuardSkipReason, fakeScriptTool } from '../support/exec-guard-stage.ts';
import { installRealCli } from '../support/real-clis.ts';
import { builtInPolicy, NodeFileProbe, ToolIdentifier } from '../../policy/index.ts';
import { BenchRecord } from './bench-record.ts';
import { processCpuSeconds } from './process-cpu.ts';

const EXECS = Number(process.env.BENCH_EXECS ?? 1_000);
const NODE_EXECS = Number(process.env.BENCH_NODE_EXECS ?? 50);
const UNCACHED = Number(process.env.BENCH_UNCACHED ?? 50);
const LAUNCHES = Number(process.env.BENCH_LAUNCHES ?? 10);
const FRESH_COPIES = 3;
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 15);
const IDLE_PROCESSES = 2000;
const RUN_LIMIT_MS = Number(process.env.BENCH_RUN_LIMIT_MS ?? 10_000);
/** Which sections to run (BENCH_SECTIONS=1,3); all by default. */
const SECTIONS = new Set((process.env.BENCH_SECTIONS ?? '1,2,3,4').split(','));
// A partial run (BENCH_SECTIONS) is recorded apart, so it never replaces the full run the README cites.
const record = new BenchRecord(SECTIONS.size === 4 ? 'exec-guard' : `exec-guard-sections-${[...SECTIONS].sort().join('')}`, { execs: EXECS, nodeExecs: NODE_EXECS, uncached: UNCACHED, launches: LAUNCHES, freshCopies: FRESH_COPIES, idleSeconds: IDLE_SECONDS, idleProcesses: IDLE_PROCESSES, sections: [...SECTIONS] });
const figures: Record<string, unknown> = {};

const skip = execGuardSkipReason();
if (skip) {
  process.stdout.write(`skipped: ${skip}\n`);
  process.exit(0);
}
const scratch = mkdtempSync(join(tmpdir(), 'cordon-exec-bench-'));

/** fork+exec+wait, timed in C so that the figure is the exec's, not Node's spawn machinery's. */
const DRIVER = join(scratch, 'exec-driver');
writeFileSync(
  `${DRIVER}.c`,
  `#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e6 + t.tv_nsec / 1e3; }
int main(int argc, char **argv) {
  int n = atoi(argv[1]);
  for (int i = 0; i < n; i++) {
    double t0 = now();
    pid_t pid = fork();
    if (pid == 0) { execv(argv[2], argv + 2); _exit(127); }
    int status;
    waitpid(pid, &status, 0);
    printf("%.1f %d\\n", now() - t0, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  }
  return 0;
}
`,
);
execFileSync('cc', ['-O2', '-o', DRIVER, `${DRIVER}.c`]);

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function driver(n: number, argv: string[]): { p50: number; p99: number; failed: number } {
  const out = execFileSync(DRIVER, [String(n), ...argv], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const rows = out.trim().split('\n').map((l) => l.split(' ').map(Number) as [number, number]);
  const us = rows.map((r) => r[0]).sort((a, b) => a - b);
  return { p50: pct(us, 50), p99: pct(us, 99), failed: rows.filter((r) => r[1] !== 0).length };
}

/** Each exec a never-seen file: the helper must ask the agent every time. */
function uncached(n: number): { p50: number; p99: number; failed: number } {
  const us: number[] = [];
  let failed = 0;
  for (let i = 0; i < n; i++) {
    const copy = join(scratch, `true-${Date.now()}-${i}`);
    copyFileSync('/bin/true', copy);
    execFileSync('chmod', ['755', copy]);
    const r = driver(1, [copy]);
    us.push(r.p50);
    failed += r.failed;
  }
  us.sort((a, b) => a - b);
  return { p50: pct(us, 50), p99: pct(us, 99), failed };
}

function helperOf(agent: AgentProcess): number | undefined {
  const pid = agent.child.pid!;
  for (const tid of execFileSync('ls', [`/proc/${pid}/task`], { encoding: 'utf8' }).trim().split('\n')) {
    for (const c of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(' ').filter(Boolean).map(Number)) {
      if (readFileSync(`/proc/${c}/cmdline`, 'utf8').includes('cordon-exec-guard')) return c;
    }
  }
  return undefined;
}

const background: ChildProcess[] = [];
function topUpTo(target: number): void {
  const now = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[3]!.split('/')[1]);
  for (let i = now; i < target; i++) background.push(spawn('sleep', ['3600'], { stdio: 'ignore' }));
}

interface LaunchFigures {
  p50: number;
  p99: number;
  outcomes: string;
  prevented: number;
  stopped: number;
  ran: number;
}

/** prevented: the tool's code never ran (exit 126 from the shell, EPERM from node); stopped: killed by the agent. */
async function launchToEnd(command: string, args: string[], n: number, prepare?: (i: number) => string): Promise<LaunchFigures> {
  const ms: number[] = [];
  const outcomes = new Map<string, number>();
  const tally = { prevented: 0, stopped: 0, ran: 0 };
  for (let i = 0; i < n; i++) {
    const target = prepare ? prepare(i) : command;
    const t0 = performance.now();
    const child = spawn(prepare ? '/bin/sh' : command, prepare ? ['-c', '"$0" --version', target] : args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const limit = setTimeout(() => child.kill('SIGTERM'), RUN_LIMIT_MS);
    const how = await new Promise<string>((resolve) => child.once('close', (code, signal) => resolve(signal ?? `exit ${code}`)));
    clearTimeout(limit);
    ms.push(performance.now() - t0);
    const kind = how === 'exit 126' || /EPERM|Operation not permitted/.test(stderr) ? 'prevented' : how === 'SIGKILL' || how === 'exit 137' ? 'stopped' : 'ran';
    tally[kind]++;
    outcomes.set(`${how} (${kind})`, (outcomes.get(`${how} (${kind})`) ?? 0) + 1);
    await new Promise((r) => setTimeout(r, 50));
  }
  ms.sort((a, b) => a - b);
  return { p50: pct(ms, 50), p99: pct(ms, 99), outcomes: [...outcomes].map(([k, v]) => `${v}× ${k}`).join(', '), ...tally };
}

const fmt = (us: number) => (us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(0)} µs`);

async function main(): Promise<void> {
  const lines: string[] = [];
  const say = (s: string) => {
    lines.push(s);
    process.stdout.write(`${s}\n`);
  };
  say(`exec guard benchmark — ${new Date().toISOString()}, kernel ${readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim()}, load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);

  // 1. Latency per benign exec.
  if (SECTIONS.has('1')) await latency(say);
  if (SECTIONS.has('2')) await idleCpu(say);
  if (SECTIONS.has('3')) await launches(say);
  if (SECTIONS.has('4')) contentJudgement(say);
  rmSync(scratch, { recursive: true, force: true });
  record.write(figures);
}

async function latency(say: (s: string) => void): Promise<void> {
  const off = { true: driver(EXECS, ['/bin/true']), node: driver(NODE_EXECS, [process.execPath, '-e', '0']), uncached: uncached(UNCACHED) };
  const agent = await startAgent({ args: ['--exec-guard', 'on', '--inventory', 'off'], readyTimeoutMs: 90_000 });
  try {
    driver(10, ['/bin/true']);
    driver(3, [process.execPath, '-e', '0']);
    // The helper's own CPU per cached exec: an upper bound, as it also answers every other exec on the machine.
    const helper = helperOf(agent);
    const helperBefore = helper ? processCpuSeconds(helper) : NaN;
    const onTrue = driver(EXECS, ['/bin/true']);
    const helperMicroseconds = ((helper ? processCpuSeconds(helper) : NaN) - helperBefore) / EXECS * 1e6;
    const on = { true: onTrue, node: driver(NODE_EXECS, [process.execPath, '-e', '0']), uncached: uncached(UNCACHED) };
    say('\n1. latency per benign exec (fork → exit, C driver), no agent vs exec guard on');
    say('| exec | n | p50 off | p50 on | ratio | p99 off | p99 on | ratio | failed |');
    say('|---|---|---|---|---|---|---|---|---|');
    for (const [label, n, a, b] of [
      ['/bin/true (cached verdict)', EXECS, off.true, on.true],
      ['node -e 0 (cached verdict)', NODE_EXECS, off.node, on.node],
      ['new copy of /bin/true (uncached: asks the agent)', UNCACHED, off.uncached, on.uncached],
    ] as const) {
      say(`| ${label} | ${n} | ${fmt(a.p50)} | ${fmt(b.p50)} | ${(b.p50 / a.p50).toFixed(2)}× | ${fmt(a.p99)} | ${fmt(b.p99)} | ${(b.p99 / a.p99).toFixed(2)}× | ${a.failed + b.failed} |`);
      ((figures.benignExecMicroseconds ??= {}) as Record<string, unknown>)[label] = { n, off: a, on: b, p50Ratio: b.p50 / a.p50, p99Ratio: b.p99 / a.p99 };
    }
    say(`helper CPU per cached exec of /bin/true: ${helperMicroseconds.toFixed(1)} µs (at most: it answered the machine's other execs too)`);
    figures.helperCpuMicrosecondsPerCachedExec = helperMicroseconds;
  } finally {
    await agent.stop();
  }

}

async function idleCpu(say: (s: string) => void): Promise<void> {
  topUpTo(IDLE_PROCESSES);
  await new Promise((r) => setTimeout(r, 3000));
  const processes = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[3]!.split('/')[1]);
  const idle: Record<string, unknown> = { processes };
  figures.idleCpu = idle;
  say(`\n2. idle CPU at ${processes} processes, over ${IDLE_SECONDS} s (agent + helper)`);
  say('| engine | CPU % of a core |');
  say('|---|---|');
  for (const guard of ['on', 'off'] as const) {
    const a = await startAgent({ args: ['--exec-guard', guard, '--inventory', 'off'], readyTimeoutMs: 90_000 });
    try {
      await new Promise((r) => setTimeout(r, 5000));
      const helper = helperOf(a);
      const c0 = processCpuSeconds(a.child.pid!) + (helper ? processCpuSeconds(helper) : 0);
      await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
      const c1 = processCpuSeconds(a.child.pid!) + (helper ? processCpuSeconds(helper) : 0);
      idle[guard === 'on' ? 'execGuard' : 'procPolling100ms'] = { percentOfCore: ((c1 - c0) / IDLE_SECONDS) * 100, helperFound: helper !== undefined };
      say(`| ${guard === 'on' ? 'fanotify exec guard (events; /proc backstop every 2 s)' : '/proc polling every 100 ms'} | ${(((c1 - c0) / IDLE_SECONDS) * 100).toFixed(2)} % |`);
    } finally {
      await a.stop();
    }
  }
  for (const c of background) c.kill('SIGKILL');
}

async function launches(say: (s: string) => void): Promise<void> {
  const claude = installRealCli('claude-code');
  const binary = join(claude.packageDir, 'bin', 'claude.exe');
  const script = fakeScriptTool(join(scratch, 'global'));
  const gemini = join(installRealCli('gemini-cli').packageDir, 'bundle', 'gemini.js');
  // A script tool installed in a PATH directory the inventory reads: its entry file gets an FAN_OPEN_PERM mark.
  const installed = join(scratch, 'installed');
  const protectedCli = fakeScriptTool(installed, '@openai/codex');
  mkdirSync(join(installed, 'bin'), { recursive: true });
  symlinkSync(protectedCli, join(installed, 'bin', 'codex'));
  const renamedNode = join(scratch, 'n');
  copyFileSync(process.execPath, renamedNode);
  execFileSync('chmod', ['755', renamedNode]);
  say(`\n3. launch → prevented (never ran) / stopped (killed) / ran (not stopped within ${RUN_LIMIT_MS} ms), ${LAUNCHES} launches each, guard on vs /proc polling`);
  const rows: Record<string, unknown>[] = [];
  figures.launches = rows;
  say('| launch | engine | p50 | p99 | prevented | stopped | ran | outcomes |');
  say('|---|---|---|---|---|---|---|---|');
  for (const guard of ['on', 'off'] as const) {
    const a = await startAgent({ args: ['--exec-guard', guard, '--inventory', 'report'], env: { PATH: `${join(installed, 'bin')}:${process.env.PATH}` }, readyTimeoutMs: 90_000 });
    const engine = guard === 'on' ? 'fanotify' : 'procfs';
    const row = (label: string, f: LaunchFigures) => {
      say(`| ${label} | ${engine} | ${f.p50.toFixed(1)} ms | ${f.p99.toFixed(1)} ms | ${f.prevented} | ${f.stopped} | ${f.ran} | ${f.outcomes} |`);
      rows.push({ launch: label, engine, ...f });
    };
    try {
      await a.waitForEvent((e) => e.type === 'install-found' && e.toolId === 'codex', 180_000);
      await new Promise((r) => setTimeout(r, 1000)); // the pass's marks follow its events
      row('native binary, installed', await launchToEnd(binary, [], LAUNCHES, () => binary));
      row(
        'native binary, renamed hard link',
        await launchToEnd(binary, [], LAUNCHES, (i) => {
          const p = join(scratch, `fmt-${guard}-${i}`);
          linkSync(binary, p);
          return p;
        }),
      );
      row(
        'native binary, fresh renamed copy (uncached)',
        await launchToEnd(binary, [], FRESH_COPIES, (i) => {
          const p = join(scratch, `copy-${guard}-${i}`);
          copyFileSync(binary, p);
          execFileSync('chmod', ['755', p]);
          return p;
        }),
      );
      for (let i = 0; i < FRESH_COPIES; i++) rmSync(join(scratch, `copy-${guard}-${i}`), { force: true });
      row('script tool, node cli.js', await launchToEnd(process.execPath, [script], LAUNCHES));
      row('script tool, renamed node (~/n cli.js)', await launchToEnd(renamedNode, [script], LAUNCHES));
      row('real Gemini CLI, node -e "import(gemini.js)"', await launchToEnd(process.execPath, ['-e', `import(${JSON.stringify(gemini)})`], LAUNCHES));
      row('inventory-found script tool, node -e "require(cli.js)"', await launchToEnd(process.execPath, ['-e', `require(${JSON.stringify(protectedCli)})`], LAUNCHES));
    } finally {
      await a.stop();
    }
  }
}

/** ms to judge a never-seen file by content (page cache warm: the cost is the scan, not the disk). */
function contentJudgement(say: (s: string) => void): void {
  const claude = join(installRealCli('claude-code').packageDir, 'bin', 'claude.exe');
  // Content evidence only, as for a renamed copy far from any package manifest.
  const tools = builtInPolicy().tools.map((t) => ({ ...t, signatures: { ...t.signatures, paths: undefined, npm: undefined, pypi: undefined, homebrew: undefined } }));
  say('\n4. judging a never-seen file by its content (fresh identifier each time, warm page cache), 3 times each');
  say('| file | MB | ms each |');
  say('|---|---|---|');
  const out: Record<string, unknown> = {};
  for (const file of [claude, '/bin/true']) {
    new ToolIdentifier(tools, new NodeFileProbe()).identifyFile(file, 'native'); // page cache
    const ms: number[] = [];
    for (let i = 0; i < 3; i++) {
      const id = new ToolIdentifier(tools, new NodeFileProbe());
      const t0 = performance.now();
      id.identifyFile(file, 'native');
      ms.push(performance.now() - t0);
    }
    const mb = statSync(file).size / 1e6;
    say(`| ${file === claude ? 'Claude Code native binary' : '/bin/true'} | ${mb.toFixed(1)} | ${ms.map((m) => m.toFixed(1)).join(', ')} |`);
    out[file === claude ? 'claudeCodeBinary' : 'binTrue'] = { megabytes: mb, ms };
  }
  figures.contentJudgementMs = out;
}

main().catch((err: unknown) => {
  for (const c of background) c.kill('SIGKILL');
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exitCode = 1;
});
