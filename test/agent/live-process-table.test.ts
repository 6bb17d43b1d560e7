// The machine the suite runs on, judged as the agent would judge it: every process /proc shows, read by the
// agent's own process source and matched against the built-in policy. No AI CLI runs on a test machine except
// the ones tests start, so anything identified must descend from a test runner (`node --test`, or `npm test`'s
// scripts/run-tests.ts). The control proves the check can fail: an identifiable process orphaned away from the
// runner is reported.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { ProcFsSource } from '../../agent/process/procfs-source.ts';
import type { SeenProcess } from '../../agent/process/process-source.ts';
import { builtInPolicy, Matcher } from '../../policy/index.ts';
import { waitFor } from '../support/wait-for.ts';

interface Identified {
  pid: number;
  toolId: string;
  argv: readonly string[];
}

const isTestRunner = (p: SeenProcess) => /\/node[0-9.]*$/.test(p.exe ?? '') && (p.argv.includes('--test') || p.argv.some((a) => a.endsWith('scripts/run-tests.ts')));

/** Every running process the matcher names as a tool, and which of them no test runner started. */
async function judgeMachine(): Promise<{ judged: number; identified: Identified[]; unexplained: Identified[] }> {
  const all = await new ProcFsSource().running();
  const byPid = new Map(all.map((p) => [p.pid, p]));
  const startedByATest = (p: SeenProcess) => {
    for (let q: SeenProcess | undefined = p, hops = 0; q && hops < 256; q = byPid.get(q.ppid), hops++) if (isTestRunner(q)) return true;
    return false;
  };
  const matcher = new Matcher(builtInPolicy());
  const identified: Identified[] = [];
  const unexplained: Identified[] = [];
  for (const p of all) {
    const d = matcher.matchProcess(p);
    if (!d) continue;
    const row = { pid: p.pid, toolId: d.toolId, argv: p.argv };
    identified.push(row);
    if (!startedByATest(p)) unexplained.push(row);
  }
  return { judged: all.length, identified, unexplained };
}

const scratch = mkdtempSync(join(tmpdir(), 'cordon-live-table-'));
let orphan: number | undefined;
after(() => {
  if (orphan) {
    try {
      process.kill(orphan, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  rmSync(scratch, { recursive: true, force: true });
});

it('nothing running on this machine is identified as an AI CLI unless a test started it', async () => {
  const { judged, unexplained } = await judgeMachine();
  assert.ok(judged > 1, `only ${judged} processes read from /proc`);
  assert.deepEqual(unexplained, [], 'identified as a tool with no test runner among its ancestors');
});

it('control: an identifiable process that no test runner is an ancestor of is reported', async () => {
  // A node script laid out as the Codex npm package, started in the background by a shell that exits at once:
  // the kernel re-parents it away from this test runner.
  const pkgDir = join(scratch, 'lib', 'node_modules', '@openai', 'codex');
  const script = join(pkgDir, 'bin', 'codex.js');
  mkdirSync(join(pkgDir, 'bin'), { recursive: true });
  writeFileSync(join(pkgDir, 'package.json'), JSON.stringify({ name: '@openai/codex', version: '1.0.0' }));
  writeFileSync(script, 'setInterval(() => {}, 1000);\n');
  const pid = Number(execFileSync('/bin/sh', ['-c', '"$0" "$1" </dev/null >/dev/null 2>&1 & echo $!', process.execPath, script], { encoding: 'utf8' }).trim());
  orphan = pid;
  const found = await waitFor(async () => (await judgeMachine()).unexplained.find((u) => u.pid === pid), 'the orphaned codex-shaped process to be reported', 10_000);
  assert.equal(found.toolId, 'codex');
  assert.deepEqual(found.argv, [process.execPath, script]);
});
