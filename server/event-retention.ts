// Events older than the retention period are deleted in bounded chunks, at start and then hourly. Every instance
// may run it; the deletes are idempotent and short, so instances never block each other or the ingest for long.
import type { Queryable } from './database/database.ts';

const CHUNK = 10_000;

/** Deletes events received more than `days` ago; returns how many. */
export async function pruneEvents(db: Queryable, days: number): Promise<number> {
  let total = 0;
  for (;;) {
    const rows = await db.query<{ n: number }>(
      `WITH gone AS (
         DELETE FROM events WHERE id IN (SELECT id FROM events WHERE received_at < now() - make_interval(days => $1) LIMIT $2) RETURNING 1
       ) SELECT count(*)::int AS n FROM gone`,
      [days, CHUNK],
    );
    const n = rows[0]?.n ?? 0;
    total += n;
    if (n < CHUNK) return total;
  }
}

export function scheduleEventRetention(db: Queryable, days: number, onError: (err: unknown) => void): () => void {
  if (days <= 0) return () => {};
  const run = () => void pruneEvents(db, days).catch(onError);
  const first = setTimeout(run, 5_000);
  const hourly = setInterval(run, 3_600_000);
  first.unref();
  hourly.unref();
  return () => {
    clearTimeout(first);
    clearInterval(hourly);
  };
}
