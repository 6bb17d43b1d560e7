// The stopper signals only the process it was asked to stop, as it was when identified: real processes whose
// start time or executable no longer match (pid reuse, exec) are spared, pid 1 and the agent's own ancestry are
// never signalled, and a real process tree (shell → children → grandchildren) goes as a whole.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, it } from 'node:test';
import { ProcessStopper } from '../../agent/enforcement/process-stopper.ts';
import { ancestorsOf } from '../../agent/process/ancestry.ts';
import { ProcFsSource } from '../../agent/process/procfs-source.ts';

const source = new ProcFsSource();
const stopper = new ProcessStopper(source, new Set([process.pid, ...ancestorsOf(process.pid)]));
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
  assert.ok(alive(c.pid!));
});

it('never signals pid 1, the agent itself or its ancestors', async () => {
  for (const pid of [1, process.pid, process.ppid]) {
    const id = (await source.identity(pid)) ?? { pid, startTime: 0, exe: null };
    const outcome = await stopper.stopTree(id);
    assert.equal(outcome.stopped, false, `pid ${pid}`);
    assert.match(outcome.spared[0]!.why, /never signalled|the agent itself/);
  }
  assert.ok(alive(process.ppid));
});

it('reports a process that already exited as gone, without signalling anything', async () => {
  const c = spawn('true');
  const id = (await source.identity(c.pid!)) ?? { pid: c.pid!, startTime: 1, exe: '/usr/bin/true' };
  await new Promise((r) => c.once('exit', r));
  const outcome = await stopper.stopTree(id);
  assert.equal(outcome.stopped, false);
  assert.equal(outcome.killed.length, 0);
});

it('stops a whole tree: the target, its children and grandchildren, and writes the explanation while frozen', async () => {
  const shell = spawn('sh', ['-c', 'sleep 300 & (sleep 300 & sleep 300; wait) & wait'], { stdio: 'ignore' });
  children.push(shell);
  await new Promise((r) => setTimeout(r, 300));
  const tree = await source.descendants(shell.pid!);
  assert.ok(tree.length >= 4, `expected 4+ descendants, got ${tree.length}`);
  let explainedWhileFrozen = false;
  const outcome = await stopper.stopTree((await source.identity(shell.pid!))!, () => {
    explainedWhileFrozen = /^State:\s+T/m.test(procStatus(shell.pid!));
  });
  assert.ok(outcome.stopped);
  assert.ok(explainedWhileFrozen, 'the target is frozen (SIGSTOP) while the explanation is written');
  assert.equal(outcome.killed.length, 1 + tree.length);
  await new Promise((r) => setTimeout(r, 200));
  for (const p of tree) assert.ok(!alive(p.pid) || isZombie(p.pid), `descendant ${p.pid} survived`);
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
  await new Promise((r) => setTimeout(r, 300));
  // A source whose tree also names an unrelated live process, as a parent pid recorded long ago would.
  const stale: ProcFsSource = Object.create(source) as ProcFsSource;
  stale.descendants = async (pid) => [...(await source.descendants(pid)), (await source.identity(bystander.pid!))!];
  const outcome = await new ProcessStopper(stale, new Set([process.pid, ...ancestorsOf(process.pid)])).stopTree((await source.identity(shell.pid!))!);
  assert.ok(outcome.stopped);
  assert.equal(outcome.killed.length, 2, 'the shell and its sleep');
  assert.match(outcome.spared.find((s) => s.pid === bystander.pid)?.why ?? '', /not a descendant/);
  assert.ok(alive(bystander.pid!));
  assert.doesNotMatch(procStatus(bystander.pid!), /^State:\s+T/m, 'and not left frozen');
});
