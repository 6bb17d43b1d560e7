// A read the kernel itself blocks must not stop enforcement: a real FUSE mount whose daemon never answers the
// agent's reads holds a running program (a copy of sleep). Identifying it hangs one of the agent's identification
// threads; the agent names the file in an event, judges that process by what else is known, and keeps stopping
// a real banned tool launched elsewhere. (On a build that identifies on the event loop the agent freezes until
// its watchdog kills it, and the banned tool runs.)
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startAgent, type AgentProcess } from '../support/agent-process.ts';
import { hangingFuseSkipReason, mountHangingFuse, type HangingFuse } from '../support/hanging-fuse.ts';
import { launchClaude } from '../support/claude-launch.ts';
import { RequestRecorder } from '../support/request-recorder.ts';
import { waitFor } from '../support/wait-for.ts';

const skip = hangingFuseSkipReason();

describe('a FUSE mount whose reads hang', { skip }, () => {
  const scratch = mkdtempSync(join(tmpdir(), 'cordon-hung-mount-'));
  const started: ChildProcess[] = [];
  let agent: AgentProcess | undefined;
  let fuse: HangingFuse | undefined;
  let recorder: RequestRecorder | undefined;

  after(async () => {
    await recorder?.close();
    for (const p of started) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    // The daemon's death makes the kernel fail the hung read, which frees the agent's stuck thread.
    await fuse?.unmount();
    const kill = setTimeout(() => agent?.child.kill('SIGKILL'), 10_000);
    await agent?.stop();
    clearTimeout(kill);
    rmSync(scratch, { recursive: true, force: true });
  });

  it('does not stop enforcement: the hung file is named, and a real banned tool started meanwhile is stopped', async () => {
    recorder = await RequestRecorder.start();
    agent = await startAgent({ args: ['--inventory', 'off'] });
    fuse = await mountHangingFuse(scratch, '/bin/sleep', 's', agent.child.pid!);
    const trap = spawn(fuse.file, ['999'], { stdio: 'ignore' });
    started.push(trap);
    // The agent has met the program on the mount: one of its reads is held by the daemon.
    await waitFor(() => fuse!.hungReads() > 0, 'the agent to read the file on the FUSE mount', 20_000);

    const spawnedAt = Date.now();
    const run = await launchClaude(recorder, scratch, 'home-1');
    assert.equal(run.reached, false, 'Claude Code reached its API: the agent did not stop it');
    assert.equal(run.signal, 'SIGKILL');
    const block = await agent.waitForEvent((e) => e.type === 'block' && e.pid === run.pid, 15_000);
    assert.equal(block.toolId, 'claude-code');
    process.stdout.write(`# real Claude Code stopped ${Date.parse(block.at) - spawnedAt} ms after its spawn while a FUSE read hung\n`);

    const hung = await agent.waitForEvent((e) => e.type === 'agent.error' && e.detail?.operation === 'identify-timeout', 15_000);
    assert.equal(hung.pid, trap.pid);
    assert.equal(hung.detail?.path, fuse.file, hung.message);
    assert.equal(hung.detail?.mount, fuse.mountpoint);
    assert.match(hung.message ?? '', /unreadable, timed out/);
    const status = await agent.status();
    assert.ok(status.health.problems.some((p) => p.includes(fuse!.mountpoint)), `status names the stuck mount: ${JSON.stringify(status.health.problems)}`);
    assert.equal(trap.exitCode, null, 'the benign program on the mount is left running');

    // A second banned launch after the timeout: still stopped, and the hung mount is not read again.
    const hungBefore = fuse.hungReads();
    const again = await launchClaude(recorder, scratch, 'home-2');
    assert.equal(again.reached, false, 'the second Claude Code reached its API');
    await agent.waitForEvent((e) => e.type === 'block' && e.pid === again.pid, 15_000);
    const trap2 = spawn(fuse.file, ['999'], { stdio: 'ignore' });
    started.push(trap2);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(fuse.hungReads(), hungBefore, 'a second program on the refused mount is judged without reading it');

    // The daemon dies: the kernel fails the read, the stuck thread returns and the agent exits normally.
    await fuse.unmount();
    await waitFor(async () => !(await agent!.status()).health.problems.some((p) => p.startsWith('identification:')), 'the stuck read to return', 15_000);
    assert.equal(await agent.stop(), 0);
  });
});
