// npm run bench:sync — the durable event journal side by side with the obvious alternative (keep the queue as a
// JSON file and rewrite it atomically on every event, as the recent-events ring does), both fsyncing before an
// event counts, at several queue lengths (nothing uploaded meanwhile): does either slow down as the queue grows?
// Also: group commit, acknowledgement, and how long a restart takes to recover a full journal.
// Raw results: bench-results/sync.json.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { EventJournal } from '../../agent/sync/event-journal.ts';
import type { AgentEvent } from '../../agent/status-types.ts';
import { writeFileAtomic } from '../../policy/index.ts';
import { BenchRecord } from './bench-record.ts';

/** Appends timed at each queue length; the rewrite alternative gets fewer (each one rewrites the whole queue). */
const APPENDS = Number(process.env.BENCH_APPENDS ?? 300);
const REWRITES = Number(process.env.BENCH_REWRITES ?? 50);
const JOURNAL_QUEUES = [0, 1_000, 10_000, 40_000];
const REWRITE_QUEUES = [0, 1_000, 10_000];
const FULL = 50_000;
const record = new BenchRecord('sync', { appends: APPENDS, rewrites: REWRITES, journalQueueLengths: JOURNAL_QUEUES, rewriteQueueLengths: REWRITE_QUEUES, fullJournalEvents: FULL });

const scratch = mkdtempSync(join(tmpdir(), 'cordon-bench-sync-'));
let dirs = 0;
const dir = () => mkdtempSync(join(scratch, `${dirs++}-`));
const event = (i: number): AgentEvent => ({
  id: crypto.randomUUID(),
  type: 'block',
  at: new Date().toISOString(),
  toolId: 'codex',
  toolName: 'Codex CLI',
  pid: 4000 + i,
  exe: '/usr/bin/node',
  argv: ['node', '/home/alice/.npm-global/lib/node_modules/@openai/codex/bin/codex.js', '--model', 'o4'],
  user: 'alice',
  ruleId: 'vendor-clis',
  evidence: 'npm-package',
  message: 'codex stopped',
});
const events = (n: number, from = 0) => Array.from({ length: n }, (_, i) => event(from + i));

/** Events per second of `fn`, which records `n` events. */
function rate(n: number, fn: () => void): number {
  const t0 = performance.now();
  fn();
  return (n / (performance.now() - t0)) * 1000;
}
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** A journal already holding `queued` pending events (filled in groups: the fill is not what is measured). */
function journalWith(queued: number): EventJournal {
  const j = EventJournal.open(join(dir(), 'events.journal'), { maxEvents: FULL });
  for (let i = 0; i < queued; i += 1000) j.append(...events(Math.min(1000, queued - i), i));
  return j;
}

console.log(`durable recording (fsync before an event counts), queue never drained; ${APPENDS} journal appends / ${REWRITES} rewrites per queue length`);
console.log('');
console.log('| events already queued | journal: append one (write + fsync), events/s | rewrite queue.json atomically per event, events/s | journal ÷ rewrite |');
console.log('|---:|---:|---:|---:|');
const byQueue: { queued: number; journalPerSecond: number; rewritePerSecond: number | null }[] = [];
for (const queued of JOURNAL_QUEUES) {
  const j = journalWith(queued);
  const fresh = events(APPENDS, queued);
  const journalPerSecond = rate(APPENDS, () => {
    for (const e of fresh) j.append(e);
  });
  j.close();
  let rewritePerSecond: number | null = null;
  if (REWRITE_QUEUES.includes(queued)) {
    const file = join(dir(), 'queue.json');
    const queue = events(queued);
    const more = events(REWRITES, queued);
    rewritePerSecond = rate(REWRITES, () => {
      for (const e of more) {
        queue.push(e);
        writeFileAtomic(file, JSON.stringify(queue), 0o600);
      }
    });
  }
  byQueue.push({ queued, journalPerSecond, rewritePerSecond });
  console.log(`| ${fmt(queued)} | ${fmt(journalPerSecond)} | ${rewritePerSecond === null ? '—' : fmt(rewritePerSecond)} | ${rewritePerSecond === null ? '—' : `${(journalPerSecond / rewritePerSecond).toFixed(1)}×`} |`);
}

const grouped = journalWith(0);
const batch = events(APPENDS * 10);
const groupPerSecond = rate(batch.length, () => {
  for (let i = 0; i < batch.length; i += 50) grouped.append(...batch.slice(i, i + 50));
});
const ackPerSecond = rate(batch.length, () => {
  const ids = grouped.pending().map((e) => e.id);
  for (let i = 0; i < ids.length; i += 500) grouped.acknowledge(ids.slice(i, i + 500));
});
grouped.close();
console.log('');
console.log(`journal: append in groups of 50 (one fsync per group)    ${fmt(groupPerSecond)} events/s (${(groupPerSecond / byQueue[0]!.journalPerSecond).toFixed(1)}× one at a time, empty queue)`);
console.log(`journal: acknowledge in batches of 500 (upload answers)   ${fmt(ackPerSecond)} events/s`);

const full = journalWith(FULL);
full.close();
const t0 = performance.now();
const reopened = EventJournal.open(full.file, { maxEvents: FULL });
const recoverMs = performance.now() - t0;
const recovered = reopened.stats();
reopened.close();
console.log(`restart: recover a full journal (${fmt(recovered.pending)} events pending, at the default 16 MiB bound: ${(recovered.bytes / 1e6).toFixed(1)} MB)   ${recoverMs.toFixed(0)} ms`);
rmSync(scratch, { recursive: true, force: true });

record.write({
  appendByQueueLength: byQueue,
  groupOf50PerSecond: groupPerSecond,
  acknowledgePerSecond: ackPerSecond,
  restart: { eventsWritten: FULL, eventsPending: recovered.pending, bytes: recovered.bytes, recoverMs },
});
