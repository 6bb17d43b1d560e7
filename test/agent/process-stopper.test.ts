// The stopper signals only the process it was asked to stop, as it was when identified: real processes whose
// start time or executable no longer match (pid reuse, exec) are spared, pid 1 and the agent's own ancestry are
// never signalled, and a real process tree (shell → children → grandchildren) goes as a whole. The stopper is the
// one the agent enforces with (agentStopper): its protected pids are the agent's own wiring, not a set built here.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, it } from 'node:test';
import { agentStopper } from '../../agent/enforcement/agent-stopper.ts';
import { ProcFsSource } from '../../agent/process/procfs-source.ts';
import { waitFor } from '../support/wait-for.ts';

const source = new ProcFsSource();
const stopper = agentStopper(source);
const children: ChildProcess[] = [];

function sleeper(): ChildProcess {
  const c = spawn('sleep', ['300'], { stdio: 'ignore' });
  children.push(c);
  return c;
}
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
after(() => {
  for (const c of children) c.kill('SIGKILL');
});

it('spares a live process whose start time differs from the one identified (a reused pid)', async () => {
  const c = sleeper();
  const id = (await source.identity(c.pid!))!;
  const outcome = await stopper.stopTree({ ...id, startTime: id.startTime + 1 });
  assert.equal(outcome.stopped, false);
  assert.deepEqual(outcome.spared, [{ pid: c.pid, why: 'identity changed (pid reused or exec)' }]);
  assert.ok(alive(c.pid!));
  assert.equal(c.signalCode, null);
});

it('spares a process that has since exec’d another program', async () => {
  const c = sleeper();
  const id = (await source.identity(c.pid!))!;
  const outcome = await stopper.stopTree({ ...id, exe: '/usr/local/bin/claude' });
  assert.equal(outcome.stopped, false);
  assert.deepEqual(outcome.spared, [{ pid: c.pid, why: 'identity changed (pid reused or exec)' }]);
  assert.ok(alive(c.pid!));
});

/** The parent chain read here from /proc/<pid>/stat, independently of the agent's ancestry code. */
function parentChain(pid: number): number[] {
  const chain: number[] = [];
  for (let p = pid; p > 1; ) {
    const stat = readFileSync(`/proc/${p}/stat`, 'latin1');
    p = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (p > 1) chain.push(p);
  }
  return chain;
}

it('never signals pid 1, the agent itself or any of its ancestors, each with the reason', async () => {
  const ancestors = parentChain(process.pid);
  assert.ok(ancestors.length >= 2, `the test runs under node --test and a shell at least: ${ancestors.join(' ← ')}`);
  for (const pid of [1, process.pid, ...ancestors]) {
    const why = pid === 1 ? 'pid 0/1 is never signalled' : 'the agent itself or one of its ancestors';
    // Asked first, so that broken wiring fails here rather than by killing the test runner and the shell above it.
    assert.equal(stopper.refusal(pid), why, `pid ${pid}`);
    const id = (await source.identity(pid)) ?? { pid, startTime: 0, exe: null };
    const outcome = await stopper.stopTree(id);
    assert.deepEqual([outcome.stopped, outcome.killed, outcome.spared], [false, [], [{ pid, why }]], `pid ${pid}`);
    assert.ok(alive(pid), `pid ${pid}`);
    if (pid !== process.pid) assert.doesNotMatch(procStatus(pid), /^State:\s+T/m, `ancestor ${pid} left frozen`);
  }
  // The same stopper does stop a process outside that set (a stopper that refuses everything fails here).
  const c = sleeper();
  const outcome = await stopper.stopTree((await source.identity(c.pid!))!);
  assert.deepEqual([outcome.stopped, outcome.spared], [true, []]);
});

it('reports a process that already exited as gone, without signalling anything', async () => {
  const c = spawn('true');
  const id = (await source.identity(c.pid!)) ?? { pid: c.pid!, startTime: 1, exe: '/usr/bin/true' };
  await new Promise((r) => c.once('exit', r));
  const outcome = await stopper.stopTree(id);
  // The reason is what proves "gone": a stopper that refused the pid for any other reason must fail here.
  assert.deepEqual([outcome.stopped, outcome.killed, outcome.spared], [false, [], [{ pid: c.pid, why: 'already gone' }]]);
});

it('stops a whole tree: the target, its children and grandchildren, and writes the explanation while frozen', async () => {
  const shell = spawn('sh', ['-c', 'sleep 300 & (sleep 300 & sleep 300; wait) & wait'], { stdio: 'ignore' });
  children.push(shell);
  // The shell, a subshell and three sleeps: wait until the whole tree has started.
  const tree = await waitFor(async () => {
    const t = await source.descendants(shell.pid!);
    return t.length >= 4 && t;
  }, 'the shell\'s 4 descendants');
  let explainedWhileFrozen = false;
  const outcome = await stopper.stopTree((await source.identity(shell.pid!))!, () => {
    explainedWhileFrozen = /^State:\s+T/m.test(procStatus(shell.pid!));
  });
  assert.ok(outcome.stopped);
  assert.ok(explainedWhileFrozen, 'the target is frozen (SIGSTOP) while the explanation is written');
  assert.equal(outcome.killed.length, 1 + tree.length);
  await waitFor(() => tree.every((p) => !alive(p.pid) || isZombie(p.pid)), 'every descendant to end', 5000);
});

function procStatus(pid: number): string {
  return readFileSync(`/proc/${pid}/status`, 'utf8');
}
function isZombie(pid: number): boolean {
  try {
    return /^State:\s+Z/m.test(procStatus(pid));
  } catch {
    return true;
  }
}

it('does not trust a descendant list: a process whose parent now is not one it froze is left alone', async () => {
  const shell = spawn('sh', ['-c', 'sleep 300 & wait'], { stdio: 'ignore' });
  const bystander = sleeper();
  children.push(shell);
  await waitFor(async () => (await source.descendants(shell.pid!)).length >= 1, 'the shell\'s sleep');
  // A source whose tree also names an unrelated live process, as a parent pid recorded long ago would.
  const stale: ProcFsSource = Object.create(source) as ProcFsSource;
  stale.descendants = async (pid) => [...(await source.descendants(pid)), (await source.identity(bystander.pid!))!];
  const outcome = await agentStopper(stale).stopTree((await source.identity(shell.pid!))!);
  assert.ok(outcome.stopped);
  assert.equal(outcome.killed.length, 2, 'the shell and its sleep');
  assert.match(outcome.spared.find((s) => s.pid === bystander.pid)?.why ?? '', /not a descendant/);
  assert.ok(alive(bystander.pid!));
  assert.doesNotMatch(procStatus(bystander.pid!), /^State:\s+T/m, 'and not left frozen');
});
