// The helper's verdict cache, on the real kernel: a file the agent judged no tool ("anyuser") is answered for
// every user from the file alone, while a verdict on a tool stays per user (an exception one user was granted
// must not let another user's exec through), and a deny is never widened to every user.
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { EXEC_GUARD_BINARY } from '../../agent/exec-guard/exec-guard-binary.ts';
import { answerLine, parseHelperLine } from '../../agent/exec-guard/exec-guard-protocol.ts';
import { execGuardSkipReason } from '../support/exec-guard-stage.ts';

const skip = execGuardSkipReason();
const NOBODY = 65534;

describe('verdict cache by user', { skip }, () => {
  const scratch = mkdtempSync(join(tmpdir(), 'cordon-verdict-cache-'));
  chmodSync(scratch, 0o755);
  let helper: ChildProcessWithoutNullStreams;
  /** How the test answers the next questions: the answer line's flags, after the id. */
  let answer: (id: string) => string = (id) => answerLine(id, false, false, false);
  const asked: { path: string; uid: number }[] = [];
  let stats: (counters: { cached: number }) => void = () => {};
  let copies = 0;

  before(async () => {
    // This test process is the helper's "agent"; its own children are exempt, so programs run through a shell.
    // A long deadline: on a loaded machine a late answer would fall open and look like a cache hit.
    helper = spawn(EXEC_GUARD_BINARY, ['--scope-pid', String(process.pid), '--deadline-ms', '5000', '--large-deadline-ms', '5000'], { stdio: ['pipe', 'pipe', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      helper.once('exit', (code) => reject(new Error(`the helper exited (${code})`)));
      createInterface({ input: helper.stdout }).on('line', (line) => {
        const m = parseHelperLine(line);
        if (m?.kind === 'ready') resolve();
        else if (m?.kind === 'question') {
          asked.push({ path: m.path, uid: m.uid });
          helper.stdin.write(answer(m.id));
        } else if (m?.kind === 'stats') stats({ cached: m.cached });
      });
    });
  });
  after(() => {
    helper?.stdin.end();
    rmSync(scratch, { recursive: true, force: true });
  });

  function freshProgram(): string {
    const path = join(scratch, `true-${copies++}`);
    copyFileSync('/bin/true', path);
    chmodSync(path, 0o755);
    return path;
  }

  /**
   * Runs the program as uid, as a grandchild (the shell is this process's child, the program is not). Never
   * spawnSync: this process answers the helper's questions, so its loop must keep running meanwhile.
   */
  function run(path: string, uid: number): Promise<number | null> {
    return new Promise((resolve, reject) => {
      const child = spawn('/bin/sh', ['-c', '"$0"; status=$?; exit $status', path], { uid, gid: uid, stdio: 'ignore', timeout: 10_000 });
      child.once('error', reject);
      child.once('exit', (code) => resolve(code));
    });
  }

  function counters(): Promise<{ cached: number }> {
    return new Promise((resolve) => {
      stats = resolve;
      helper.stdin.write('S\n');
    });
  }

  it('a no-tool verdict marked anyuser answers every user without asking again', async () => {
    answer = (id) => answerLine(id, false, true, false, false, true);
    const program = freshProgram();
    assert.equal(await run(program, 0), 0);
    const earlier = await counters();
    assert.equal(await run(program, NOBODY), 0);
    assert.equal(await run(program, 0), 0);
    const afterRuns = await counters();
    assert.deepEqual(asked.filter((q) => q.path === program).map((q) => q.uid), [0], 'asked once, for the first user only');
    assert.ok(afterRuns.cached >= earlier.cached + 2, `both later execs were answered from the cache (${earlier.cached} → ${afterRuns.cached})`);
  });

  it('a verdict without anyuser stays with the user it was given for', async () => {
    answer = (id) => answerLine(id, false, true, false);
    const program = freshProgram();
    assert.equal(await run(program, 0), 0);
    assert.equal(await run(program, NOBODY), 0);
    assert.equal(await run(program, NOBODY), 0);
    assert.deepEqual(asked.filter((q) => q.path === program).map((q) => q.uid), [0, NOBODY], `each user asked once: ${JSON.stringify(asked)}`);
  });

  it('a deny is never widened to every user, even when the agent says anyuser', async () => {
    answer = (id) => answerLine(id, true, true, false, false, true);
    const program = freshProgram();
    assert.equal(await run(program, 0), 126, 'denied for the user it was judged for (the shell: "Operation not permitted")');
    answer = (id) => answerLine(id, false, true, false);
    assert.equal(await run(program, NOBODY), 0, 'another user is asked, and allowed');
    answer = (id) => answerLine(id, false, true, false);
    assert.equal(await run(program, 0), 126, 'the first user is still denied from the cache');
    assert.deepEqual(asked.filter((q) => q.path === program).map((q) => q.uid), [0, NOBODY]);
  });

  it('a verdict that asks for reports is kept per user, so each exec is still reported', async () => {
    answer = (id) => answerLine(id, false, true, true, false, true);
    const program = freshProgram();
    assert.equal(await run(program, 0), 0);
    assert.equal(await run(program, NOBODY), 0);
    assert.deepEqual(asked.filter((q) => q.path === program).map((q) => q.uid), [0, NOBODY], 'a report-worthy allow is not served from the file alone');
  });
});
