// Stress, on the real kernel: many shells exec'ing short programs at once while the agent is killed (kill -9)
// and started again mid-way. Every exec completes (no hang: the dying helper's fanotify fd releases what it
// held; the new one answers or falls open) and nothing benign is refused. CORDON_STRESS_SHELLS and
// CORDON_STRESS_EXECS scale it (default 100 shells × 100 execs; the 100 × 1,000 is
// CORDON_STRESS_EXECS=1000, minutes on a 2-core machine).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { startAgent, type AgentProcess } from '../support/agent-process.ts';
import { execGuardSkipReason } from '../support/exec-guard-stage.ts';

const skip = execGuardSkipReason();
const SHELLS = Number(process.env.CORDON_STRESS_SHELLS ?? 100);
const EXECS = Number(process.env.CORDON_STRESS_EXECS ?? 100);
const scratch = mkdtempSync(join(tmpdir(), 'cordon-exec-stress-'));
const agents: AgentProcess[] = [];

after(async () => {
  for (const a of agents) await a.stop();
  rmSync(scratch, { recursive: true, force: true });
});

it(`${SHELLS} shells × ${EXECS} execs complete while the agent is killed and restarted`, { skip, timeout: 30 * 60_000 }, async (t) => {
  const args = ['--exec-guard', 'on', '--inventory', 'off'];
  const first = await startAgent({ args, readyTimeoutMs: 90_000 });
  agents.push(first);
  assert.equal((await first.status()).health.engine?.kind, 'fanotify');
  // Each shell also runs a program of its own, copied fresh: a file no verdict is cached for, so it asks.
  const started = performance.now();
  const shells = Array.from({ length: SHELLS }, (_, n) => {
    const own = join(scratch, `true-${n}`);
    copyFileSync('/bin/true', own);
    const script = 'ok=0; bad=0; i=0; while [ $i -lt "$1" ]; do if [ $((i % 10)) -eq 0 ]; then p="$2"; else p=/bin/true; fi; if "$p"; then ok=$((ok+1)); else bad=$((bad+1)); fi; i=$((i+1)); done; echo "$ok $bad"';
    const child = spawn('/bin/sh', ['-c', script, 'sh', String(EXECS), own], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    return new Promise<{ ok: number; bad: number; code: number | null }>((resolve) =>
      child.once('close', (code) => {
        const [ok, bad] = out.trim().split(' ').map(Number);
        resolve({ ok: ok ?? -1, bad: bad ?? -1, code });
      }),
    );
  });
  // Mid-way: kill -9 the agent (its helper dies with it and the kernel releases what it held), start another.
  await new Promise((r) => setTimeout(r, 1500));
  first.child.kill('SIGKILL');
  const second = await startAgent({ args, stateDir: first.stateDir, readyTimeoutMs: 90_000 });
  agents.push(second);
  const results = await Promise.all(shells);
  const seconds = (performance.now() - started) / 1000;
  const total = results.reduce((n, r) => n + r.ok + r.bad, 0);
  t.diagnostic(`${total} execs by ${SHELLS} shells in ${seconds.toFixed(1)} s (${(total / seconds).toFixed(0)}/s), agent killed and restarted mid-way`);
  assert.deepEqual(
    results.filter((r) => r.code !== 0 || r.ok !== EXECS),
    [],
    'every shell ran all its execs, none refused',
  );
  const stats = (await second.status()).health;
  t.diagnostic(`restarted agent's engine: ${stats.engine?.kind}; problems: ${stats.problems.length}`);
});
