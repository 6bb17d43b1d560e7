// The Linux process source against real processes: each process is reported once, threads never, and an exec
// is noticed both shortly after a fork and in a long-lived process that execs a program which starts threads.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, it } from 'node:test';
import { ProcFsSource } from '../../agent/process/procfs-source.ts';
import type { SeenProcess } from '../../agent/process/process-source.ts';

const children: ChildProcess[] = [];
after(() => {
  for (const c of children) c.kill('SIGKILL');
});
function start(command: string, args: string[]): ChildProcess {
  const c = spawn(command, args, { stdio: 'ignore' });
  children.push(c);
  return c;
}
/** Polls every 50 ms (as the agent would) until `pred` holds for a reported process, or gives up. */
async function pollUntil(source: ProcFsSource, pred: (p: SeenProcess) => boolean, ms: number): Promise<SeenProcess[]> {
  const all: SeenProcess[] = [];
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const seen = source.pollSync();
    all.push(...seen);
    if (seen.some(pred)) return all;
    await new Promise((r) => setTimeout(r, 50));
  }
  return all;
}

it('reports every process on the first poll, then only what is new, each once', async () => {
  const source = new ProcFsSource();
  const first = source.pollSync();
  assert.ok(first.some((p) => p.pid === process.pid));
  assert.ok(first.every((p) => p.startTime > 0 && Array.isArray(p.argv)));
  const c = start('sleep', ['30']);
  const seen = await pollUntil(source, (p) => p.pid === c.pid && p.exe === '/usr/bin/sleep', 3000);
  assert.ok(seen.some((p) => p.pid === c.pid), 'the new process is reported');
  const later = await pollUntil(source, () => false, 600);
  assert.ok(!later.some((p) => p.pid === c.pid && !p.execed), 'and not again');
});

it('never reports a thread as a process', async () => {
  const source = new ProcFsSource();
  source.pollSync();
  // A Node process starts several threads (libuv pool, V8 platform): their tids come from the pid counter.
  const c = start(process.execPath, ['-e', 'require("node:crypto").pbkdf2("x","y",1e5,64,"sha512",()=>{}); setInterval(()=>{},1000)']);
  const seen = await pollUntil(source, () => false, 1500);
  const pids = new Set(seen.map((p) => p.pid));
  assert.ok(pids.has(c.pid!));
  const { readFileSync } = await import('node:fs');
  for (const pid of pids) {
    try {
      const tgid = Number(/^Tgid:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
      assert.equal(tgid, pid, `pid ${pid} reported but it is a thread of ${tgid}`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
});

it('notices a fork followed by an exec', async () => {
  const source = new ProcFsSource();
  source.pollSync();
  const c = start('sh', ['-c', 'sleep 0.3; exec sleep 31']);
  const seen = await pollUntil(source, (p) => p.pid === c.pid && p.argv.includes('31'), 3000);
  const exec = seen.find((p) => p.pid === c.pid && p.argv.includes('31'));
  assert.ok(exec, 'the exec into "sleep 31" is reported');
  assert.equal(exec.exe, '/usr/bin/sleep');
});

it('notices an old process that execs a program starting threads (exec claude in a long-lived shell)', async () => {
  // Past the young window (youngMs 300 here) before it execs, so only the thread probe can reveal the exec.
  const source = new ProcFsSource({ youngMs: 300, sweepMs: 600_000 });
  source.pollSync();
  const c = start('sh', ['-c', `sleep 1.2; exec "${process.execPath}" -e "setInterval(()=>{},1000)" exec-in-old-shell`]);
  const seen = await pollUntil(source, (p) => p.pid === c.pid && p.exe === process.execPath, 5000);
  const exec = seen.find((p) => p.pid === c.pid && p.exe === process.execPath);
  assert.ok(exec, 'the exec was noticed through its new threads');
  assert.equal(exec.execed, true);
  assert.ok(exec.argv.includes('exec-in-old-shell'));
});

it('a process whose exec falls in a pause between polls (a starved agent) still gets its last look', async () => {
  // Seen young (before its exec), then no poll until after its young window: the exec must still be reported.
  const source = new ProcFsSource({ youngMs: 100, sweepMs: 600_000 });
  source.pollSync();
  const c = start('sh', ['-c', 'sleep 0.3; exec sleep 32']);
  const first = await pollUntil(source, (p) => p.pid === c.pid, 3000);
  assert.ok(first.some((p) => p.pid === c.pid && p.exe !== '/usr/bin/sleep'), 'first seen before its exec');
  await new Promise((r) => setTimeout(r, 700));
  const later = source.pollSync();
  assert.ok(later.some((p) => p.pid === c.pid && p.argv.includes('32') && p.execed), 'the exec is reported on the first poll after the pause');
});
