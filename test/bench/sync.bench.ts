// npm run bench:sync — the durable event journal side by side with the obvious alternative (keep the queue as a
// JSON file and rewrite it atomically on every event, as the recent-events ring does), both fsyncing before an
// event counts. Also: group commit, and how long a restart takes to recover a full journal.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { EventJournal } from '../../agent/sync/event-journal.ts';
import type { AgentEvent } from '../../agent/status-types.ts';
import { writeFileAtomic } from '../../policy/index.ts';

const dir = () => mkdtempSync(join(tmpdir(), 'cordon-bench-sync-'));
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

function time(label: string, n: number, fn: () => void): number {
  const t0 = performance.now();
  fn();
  const ms = performance.now() - t0;
  console.log(`${label.padEnd(58)} ${String(Math.round((n / ms) * 1000)).padStart(8)} events/s  (${ms.toFixed(0)} ms for ${n})`);
  return ms;
}

const N = Number(process.env.BENCH_EVENTS ?? 1000);
const events = Array.from({ length: N }, (_, i) => event(i));
console.log(`durable recording of ${N} events (fsync before each counts), queue never drained:`);
const journal = EventJournal.open(join(dir(), 'events.journal'));
const tJournal = time('journal: append one event (write + fsync)', N, () => {
  for (const e of events) journal.append(e);
});
const rewriteFile = join(dir(), 'queue.json');
const queue: AgentEvent[] = [];
const tRewrite = time('alternative: rewrite queue.json atomically per event', N, () => {
  for (const e of events) {
    queue.push(e);
    writeFileAtomic(rewriteFile, JSON.stringify(queue), 0o600);
  }
});
const grouped = EventJournal.open(join(dir(), 'events.journal'));
const tGroup = time('journal: append in groups of 50 (one fsync per group)', N, () => {
  for (let i = 0; i < N; i += 50) grouped.append(...events.slice(i, i + 50));
});
console.log(`  -> journal is ${(tRewrite / tJournal).toFixed(1)}x faster than rewriting the queue; group commit another ${(tJournal / tGroup).toFixed(1)}x`);

const ackMs = time('journal: acknowledge in batches of 500 (upload answers)', N, () => {
  const ids = journal.pending().map((e) => e.id);
  for (let i = 0; i < ids.length; i += 500) journal.acknowledge(ids.slice(i, i + 500));
});
void ackMs;

const full = join(dir(), 'events.journal');
const big = EventJournal.open(full, { maxEvents: 50_000 });
for (let i = 0; i < 50_000; i += 1000) big.append(...Array.from({ length: 1000 }, (_, j) => event(i + j)));
big.close();
const t0 = performance.now();
const reopened = EventJournal.open(full, { maxEvents: 50_000 });
console.log(`restart: recover a full journal (50000 events, ${(reopened.stats().bytes / 1e6).toFixed(1)} MB)          ${(performance.now() - t0).toFixed(0)} ms`);
reopened.close();
journal.close();
grouped.close();
