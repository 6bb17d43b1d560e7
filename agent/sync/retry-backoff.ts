// Exponential backoff with "equal jitter" (AWS architecture blog): after n failures wait a random time in
// [base·2ⁿ⁻¹/2, base·2ⁿ⁻¹], capped. Thousands of agents that lost the same server come back spread out, not
// in one wave. Measured on the monotonic clock, so a wall-clock jump (NTP, skew) neither stalls nor rushes it.
import { performance } from 'node:perf_hooks';

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1000, maxMs: 5 * 60_000 };

export class RetryBackoff {
  private failures = 0;
  private notBefore = 0;

  constructor(private readonly o: BackoffOptions = DEFAULT_BACKOFF) {}

  get failureCount(): number {
    return this.failures;
  }

  /** Milliseconds until the next attempt is due; 0 when it may go now. */
  remainingMs(): number {
    return Math.max(0, this.notBefore - performance.now());
  }

  /** Records a failure; atLeastMs is the server's own Retry-After, honoured up to the cap. */
  fail(atLeastMs = 0): number {
    this.failures++;
    const ceiling = Math.min(this.o.maxMs, this.o.baseMs * 2 ** Math.min(this.failures - 1, 30));
    const wait = Math.max(ceiling / 2 + (Math.random() * ceiling) / 2, Math.min(atLeastMs, this.o.maxMs));
    this.notBefore = performance.now() + wait;
    return wait;
  }

  succeed(): void {
    this.failures = 0;
    this.notBefore = 0;
  }
}
