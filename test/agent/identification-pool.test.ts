// The identification pool's bound on threads stuck in the kernel, with real stuck reads: a FUSE mount whose daemon
// never answers this test process (the pool's threads live here). With one thread and a bound of one, the first
// hang leaves no thread: processes are then judged by what needs no file (a banned tool's path shape still
// counts), and once the daemon dies the stuck read returns, its thread is retired and files are read again.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { IdentificationPool, type HungRead } from '../../agent/identification/identification-pool.ts';
import type { ObservedProcess } from '../../agent/identification/identification-messages.ts';
import { builtInPolicy } from '../../policy/index.ts';
import { hangingFuseSkipReason, mountHangingFuse, type HangingFuse } from '../support/hanging-fuse.ts';
import { waitFor } from '../support/wait-for.ts';

const skip = hangingFuseSkipReason();

function observe(p: ChildProcess): ObservedProcess {
  const pid = p.pid!;
  const argv = [process.execPath];
  return { pid, ppid: process.pid, uid: 0, startTime: 0, exe: readlinkSync(`/proc/${pid}/exe`), argv, procDir: `/proc/${pid}` };
}

describe('identification pool: threads stuck in kernel reads', { skip }, () => {
  const scratch = mkdtempSync(join(tmpdir(), 'cordon-pool-'));
  const started: ChildProcess[] = [];
  let fuse: HangingFuse | undefined;
  let pool: IdentificationPool | undefined;

  after(async () => {
    for (const p of started) p.kill('SIGKILL');
    await fuse?.unmount();
    await pool?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('gives up on a hung read, judges by what needs no file at the bound, and reads again once the read returns', async () => {
    const hung: HungRead[] = [];
    const problems: (string | undefined)[] = [];
    pool = new IdentificationPool({ policy: builtInPolicy(), device: { groups: [] }, size: 1, maxStuck: 1, readTimeoutMs: 500, onHung: (h) => hung.push(h), onProblem: (t) => problems.push(t) });
    fuse = await mountHangingFuse(scratch, '/bin/sleep', 's', process.pid);
    const trap = spawn(fuse.file, ['999'], { stdio: 'ignore' });
    started.push(trap);
    await waitFor(() => readlinkSync(`/proc/${trap.pid}/exe`) === fuse!.file, 'the program on the mount to run', 10_000);

    assert.equal(await pool.identify(observe(trap)), null, 'sleep is no tool');
    assert.equal(hung.length, 1, 'the read on the mount was given up');
    assert.equal(hung[0]!.place.file, fuse.file);
    assert.equal(hung[0]!.place.mount, fuse.mountpoint);
    assert.equal(hung[0]!.boundReached, true);
    assert.equal(pool.stuck, 1);
    assert.match(problems.at(-1) ?? '', /bound of 1 stuck threads is reached/);

    // No thread is left: a banned tool is judged by what needs no file, here its package path.
    const pkg = join(scratch, 'lib', 'node_modules', '@anthropic-ai', 'claude-code');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(join(pkg, 'cli.js'), 'setInterval(() => {}, 1000);\n');
    const banned = spawn(process.execPath, [join(pkg, 'cli.js')], { stdio: 'ignore' });
    started.push(banned);
    const decision = await pool.identify({ ...observe(banned), argv: [process.execPath, join(pkg, 'cli.js')] });
    assert.equal(decision?.toolId, 'claude-code');
    assert.equal(decision?.action, 'block');
    assert.equal(pool.counts.judgedWithoutFiles, 2, 'the hung process (judged again) and the banned tool');

    // The daemon dies: the kernel fails the read, the stuck thread is retired and a new one reads files again.
    await fuse.unmount();
    await waitFor(() => pool!.stuck === 0, 'the stuck read to return', 10_000);
    assert.equal(problems.at(-1), undefined, 'the problem is cleared');
    writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: '@anthropic-ai/claude-code' }));
    writeFileSync(join(scratch, 'tool.js'), 'setInterval(() => {}, 1000);\n');
    const byManifest = spawn(process.execPath, [join(scratch, 'tool.js')], { stdio: 'ignore' });
    started.push(byManifest);
    const found = await pool.identify({ ...observe(byManifest), argv: [process.execPath, join(scratch, 'tool.js')] });
    assert.equal(found?.toolId, 'claude-code', 'a manifest is read again: the tool is identified by its package.json');
    assert.equal(pool.counts.judgedWithoutFiles, 2);
  });
});
