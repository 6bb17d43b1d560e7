// Root must never signal a process because of what its parent pid used to be. In a private pid namespace (so
// no other process on the machine is visible or touchable), alice's shell starts a job and exits; bob gets the
// dead shell's pid handed out again and runs a banned look-alike there. The stopper takes down the look-alike and
// everything it really started, and leaves alice's orphaned job alone.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { it } from 'node:test';

const ROOT = join(import.meta.dirname, '..', '..');
const SCENARIO = join(ROOT, 'test', 'support', 'pid-recycling-scenario.ts');
const hasUnshare = spawnSync('unshare', ['--version']).status === 0;
const why = process.getuid?.() !== 0 ? 'needs root (a pid namespace and ns_last_pid)' : !hasUnshare ? 'unshare (util-linux) is not installed' : undefined;

interface Scenario {
  error?: string;
  shellPid: number;
  job: number;
  recordedParent: number;
  jobParentNow: number;
  jobState: string;
  tool: number;
  toolTree: number[];
  toolTreeStates: string[];
  toolState: string;
  killed: number[];
  spared: { pid: number; why: string }[];
}

it('a pid recycled from a dead parent never makes the stopper kill that parent’s orphaned job', { skip: why }, () => {
  const run = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', process.execPath, '--import', 'tsx', SCENARIO], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  const last = run.stdout.trim().split('\n').at(-1) ?? '';
  assert.ok(last.startsWith('{'), `the scenario printed no result:\n${run.stdout}\n${run.stderr}`);
  const r = JSON.parse(last) as Scenario;
  assert.equal(r.error, undefined, r.error);
  // The setting of the attack: the source recorded the shell as the job's parent, the job is now an orphan, and
  // the look-alike runs at the shell's old pid.
  assert.equal(r.recordedParent, r.shellPid);
  assert.equal(r.jobParentNow, 1);
  assert.equal(r.tool, r.shellPid);
  assert.ok(!r.killed.includes(r.job), `alice's job ${r.job} was killed through the recycled parent pid ${r.shellPid}`);
  assert.notEqual(r.jobState, 'gone');
  assert.notEqual(r.jobState, 'Z');
  assert.notEqual(r.jobState, 'T', 'and it is not left frozen either');
  // The look-alike and the child and grandchild it really started are all stopped.
  assert.ok(r.killed.includes(r.tool));
  assert.ok(r.toolTree.length >= 3, `the look-alike started its tree (${r.toolTree})`);
  for (const [i, pid] of r.toolTree.entries()) {
    assert.ok(r.killed.includes(pid), `descendant ${pid} of the look-alike was not stopped`);
    assert.ok(['gone', 'Z'].includes(r.toolTreeStates[i]!), `descendant ${pid} is still ${r.toolTreeStates[i]}`);
  }
});
