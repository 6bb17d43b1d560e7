// Per-uid token buckets for the status API: one local user hammering the socket (or a script in a loop) gets 429s
// without slowing anyone else's answers or the agent's enforcement. Bounded: at most MAX_KEYS buckets are kept,
// the least recently used going first (a full bucket is what a forgotten one would be anyway).
import { performance } from 'node:perf_hooks';

export interface BucketShape {
  /** Requests allowed in a burst. */
  burst: number;
  /** Tokens regained per second. */
  perSecond: number;
}

const MAX_KEYS = 4096;

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly shape: BucketShape) {}

  /** Takes a token for key; returns 0 when allowed, else the milliseconds until one is due. */
  take(key: string): number {
    const now = performance.now();
    const b = this.buckets.get(key) ?? { tokens: this.shape.burst, at: now };
    this.buckets.delete(key);
    b.tokens = Math.min(this.shape.burst, b.tokens + ((now - b.at) / 1000) * this.shape.perSecond);
    b.at = now;
    this.buckets.set(key, b);
    if (this.buckets.size > MAX_KEYS) this.buckets.delete(this.buckets.keys().next().value!);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - b.tokens) / this.shape.perSecond) * 1000);
  }
}
