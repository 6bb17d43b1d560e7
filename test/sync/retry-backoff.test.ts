// The sync schedule's claims (docs/it/sync.md): failures back off exponentially with "equal jitter" up to a cap,
// a server's Retry-After is honoured up to that cap, the sync interval carries ±10 % jitter, and every wait is
// measured on the monotonic clock, so a wall-clock jump neither rushes nor stalls it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { RetryBackoff } from '../../agent/sync/retry-backoff.ts';
import { jitteredIntervalMs } from '../../agent/sync/sync-jitter.ts';
import { requireSystemPart } from '../support/system-part.ts';
import { exitOf } from '../support/child-exit.ts';

const SAMPLES = 2000;

function range(values: number[]): { min: number; max: number; mean: number } {
  return { min: Math.min(...values), max: Math.max(...values), mean: values.reduce((a, b) => a + b, 0) / values.length };
}

test('the sync interval is jittered by ±10 %: every draw is within 0.9–1.1 × and the draws spread over that range', () => {
  const interval = 300_000;
  const r = range(Array.from({ length: SAMPLES }, () => jitteredIntervalMs(interval) / interval));
  assert.ok(r.min >= 0.9 && r.max <= 1.1, `draws ${r.min}–${r.max} outside 0.9–1.1`);
  // Without jitter (or with ±1 %) every draw would sit near 1: the spread proves agents drift apart.
  assert.ok(r.min < 0.92 && r.max > 1.08, `draws only spread ${r.min}–${r.max}`);
  assert.ok(Math.abs(r.mean - 1) < 0.01, `mean ${r.mean}: the jitter is not centred on the interval`);
});

test('failures back off exponentially with equal jitter: after n failures the wait is in [base·2ⁿ⁻¹/2, base·2ⁿ⁻¹], capped', () => {
  const o = { baseMs: 1000, maxMs: 300_000 };
  for (let n = 1; n <= 12; n++) {
    const ceiling = Math.min(o.maxMs, o.baseMs * 2 ** (n - 1));
    const waits = Array.from({ length: 200 }, () => {
      const b = new RetryBackoff(o);
      for (let i = 1; i < n; i++) b.fail();
      return b.fail();
    });
    const r = range(waits);
    assert.ok(r.min >= ceiling / 2 && r.max <= ceiling, `after ${n} failures: ${r.min}–${r.max}, expected ${ceiling / 2}–${ceiling}`);
    assert.ok(r.min < ceiling * 0.6 && r.max > ceiling * 0.9, `after ${n} failures the waits are not spread: ${r.min}–${r.max}`);
  }
  const b = new RetryBackoff(o);
  for (let i = 0; i < 60; i++) b.fail(); // 2⁵⁹ s would overflow any timer: the cap holds
  assert.equal(b.failureCount, 60);
  const capped = b.fail();
  assert.ok(capped >= o.maxMs / 2 && capped <= o.maxMs, `capped wait ${capped}`);
  b.succeed();
  assert.deepEqual([b.failureCount, b.remainingMs()], [0, 0], 'a success clears the backoff');
  assert.ok(b.fail() <= o.baseMs, 'after a success the next failure starts again from the base');
});

test('Retry-After is honoured when longer than the backoff, and capped at the maximum', () => {
  const o = { baseMs: 1000, maxMs: 300_000 };
  const b = new RetryBackoff(o);
  const wait = b.fail(42_000);
  assert.equal(wait, 42_000, 'a first failure would wait ≤ 1 s; the server said 42 s');
  const remaining = b.remainingMs();
  assert.ok(remaining > 41_000 && remaining <= 42_000, `remaining ${remaining}`);
  assert.equal(new RetryBackoff(o).fail(24 * 3600_000), o.maxMs, 'a hostile Retry-After of a day must not silence the agent for a day');
  const late = new RetryBackoff(o);
  for (let i = 0; i < 8; i++) late.fail(); // ceiling 128 s
  assert.ok(late.fail(1000) >= 64_000, 'a short Retry-After does not shorten the backoff already earned');
});

const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';
const noFaketime = requireSystemPart({ binary: LIBFAKETIME, debianPackage: 'faketime' });

test('a wall-clock jump of +1 day or −1 day neither rushes nor stalls the backoff (monotonic clock, libfaketime)', { skip: noFaketime }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cordon-backoff-clock-'));
  const clockFile = join(dir, 'faketime');
  writeFileSync(clockFile, '+0\n');
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'backoff-clock-probe.ts')], {
    // Only the wall clock moves: DONT_FAKE_MONOTONIC leaves CLOCK_MONOTONIC (performance.now) real.
    env: { ...process.env, LD_PRELOAD: LIBFAKETIME, FAKETIME_TIMESTAMP_FILE: clockFile, FAKETIME_NO_CACHE: '1', DONT_FAKE_MONOTONIC: '1' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const ask = async (command: string): Promise<{ wallMs: number; remainingMs: number }> => {
    child.stdin.write(`${command}\n`);
    const { value, done } = await lines.next();
    assert.ok(!done, 'the probe ended early');
    return JSON.parse(value as string) as { wallMs: number; remainingMs: number };
  };
  try {
    const failed = await ask('fail');
    assert.ok(failed.remainingMs >= 30_000, `first failure with a 60 s base waits ≥ 30 s, got ${failed.remainingMs}`);
    const day = 24 * 3600_000;
    for (const jump of ['+1d', '-1d']) {
      writeFileSync(clockFile, `${jump}\n`);
      const after = await ask('remaining');
      const wallMoved = after.wallMs - failed.wallMs;
      // The jump really happened in the probe …
      assert.ok(Math.abs(Math.abs(wallMoved) - day) < 60_000, `${jump}: the probe's wall clock moved ${wallMoved} ms`);
      // … and the wait went on as if it had not: a wall-clock schedule would be due now (+1 d) or in a day (−1 d).
      assert.ok(after.remainingMs > failed.remainingMs - 20_000 && after.remainingMs <= failed.remainingMs, `${jump}: remaining ${after.remainingMs} ms, was ${failed.remainingMs}`);
    }
  } finally {
    child.stdin.end();
    await exitOf(child, 10_000);
    rmSync(dir, { recursive: true, force: true });
  }
});
