// Child for retry-backoff.test.ts: one RetryBackoff driven over stdin, so the test can move this process's wall
// clock (libfaketime) between commands. "fail" records a failure; every command answers with the wall clock and
// the backoff's remaining wait as one JSON line.
import { createInterface } from 'node:readline';
import { RetryBackoff } from '../../agent/sync/retry-backoff.ts';

const backoff = new RetryBackoff({ baseMs: 60_000, maxMs: 120_000 });
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'fail') backoff.fail();
  process.stdout.write(`${JSON.stringify({ wallMs: Date.now(), remainingMs: backoff.remainingMs() })}\n`);
}
