// ±10 % jitter on the sync interval: agents that started together (a fleet rebooted by an update) drift apart
// instead of asking the server for the policy in one wave every interval.

/** The interval scaled by a uniform random factor in [0.9, 1.1]. */
export function jitteredIntervalMs(intervalMs: number): number {
  return intervalMs * (0.9 + Math.random() * 0.2);
}
