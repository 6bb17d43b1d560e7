// A never-seen large binary takes the judge seconds to read (the first content scan of a fresh copy of the real
// 245 MB Claude Code binary). Execs asked meanwhile must still get their verdicts before their deadline: small
// banned look-alikes (each a new file, so each is asked) are denied, not let through by the deadline, and new
// benign programs run. (With one judge thread they all wait behind the scan, miss the deadline and fall open.)
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startAgent, type AgentProcess } from '../support/agent-process.ts';
import { buildNativeLookAlike, execGuardSkipReason } from '../support/exec-guard-stage.ts';
import { installRealCli } from '../support/real-clis.ts';

const skip = execGuardSkipReason();
/** Short enough that a small verdict waiting behind a big scan misses it, long enough for a loaded machine. */
const DEADLINE_MS = 300;

interface Outcome {
  code: number | null;
  stdout: string;
}

/** Through a shell: Node's spawn waits for the exec itself, and the test must go on while the kernel holds it. */
function exec(file: string, args: string[] = []): { done: Promise<Outcome> } {
  const child = spawn('/bin/sh', ['-c', '"$0" "$@"', file, ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
  let stdout = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return {
    done: new Promise((resolve) => {
      child.once('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout });
      });
    }),
  };
}

describe('a large first scan does not hold up other verdicts', { skip }, () => {
  const scratch = mkdtempSync(join(tmpdir(), 'cordon-scan-lane-'));
  let agent: AgentProcess;

  before(async () => {
    agent = await startAgent({ args: ['--exec-guard', 'on', '--inventory', 'off', '--exec-guard-deadline-ms', String(DEADLINE_MS)], readyTimeoutMs: 90_000 });
    assert.equal((await agent.status()).health.engine?.kind, 'fanotify');
  });
  after(async () => {
    await agent?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('denies small banned look-alikes and allows new benign programs while a fresh 245 MB binary is judged', async () => {
    const smalls: { file: string; banned: boolean }[] = [];
    for (let i = 0; i < 6; i++) {
      smalls.push({ file: buildNativeLookAlike(join(scratch, `banned-${i}`), `helper-${i}`), banned: true });
      const benign = join(scratch, `true-${i}`);
      copyFileSync('/bin/true', benign);
      chmodSync(benign, 0o755);
      smalls.push({ file: benign, banned: false });
    }
    const big = join(scratch, 'fresh-copy');
    copyFileSync(join(installRealCli('claude-code').packageDir, 'bin', 'claude.exe'), big);
    chmodSync(big, 0o755);

    let bigDone = false;
    const bigRun = exec(big, ['--version']).done.then((o) => ((bigDone = true), o));
    // Give the helper a moment to ask about the big file, then exec small ones while it is being read.
    await new Promise((r) => setTimeout(r, 100));
    const during: { small: (typeof smalls)[number]; outcome: Outcome }[] = [];
    for (const small of smalls) {
      if (bigDone) break;
      during.push({ small, outcome: await exec(small.file, ['0']).done });
    }
    const bigOutcome = await bigRun;
    process.stdout.write(`# ${during.length} small execs asked while the fresh copy was judged\n`);
    assert.ok(during.length > 0, 'the big scan ended before any small exec was asked: nothing was shown');
    assert.equal(bigOutcome.code, 126, 'the fresh copy of Claude Code is denied');
    for (const { small, outcome } of during) {
      if (small.banned) {
        assert.equal(outcome.code, 126, `${small.file}: a banned look-alike asked during the scan must be denied, not let through by the deadline (exit ${outcome.code})`);
        assert.equal(outcome.stdout, '', `${small.file} ran`);
      } else assert.equal(outcome.code, 0, `${small.file}: a benign program must run`);
    }
    const problems = (await agent.status()).health.problems.filter((p) => p.includes('without the agent'));
    for (const { small } of during) assert.ok(!problems.some((p) => p.includes(small.file)), `${small.file} was answered without the agent: ${problems.join('; ')}`);
  });
});
