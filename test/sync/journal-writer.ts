// A child process that journals events as fast as it can and says which ones counted, so a test can kill -9 it
// anywhere. Acknowledges every third batch to exercise ack records and compaction under the same kill.
import { EventJournal } from '../../agent/sync/event-journal.ts';

const [file, prefix] = process.argv.slice(2) as [string, string];
const journal = EventJournal.open(file, { maxEvents: 100_000 });
let n = 0;
for (;;) {
  const batch = [0, 1, 2].map(() => ({ id: `${prefix}-${n++}`, type: 'block' as const, at: new Date().toISOString(), message: 'x'.repeat(n % 300) }));
  if (!journal.append(...batch)) throw new Error(journal.problem);
  process.stdout.write(`R ${batch.map((e) => e.id).join(' ')}\n`);
  if (n % 9 === 0) {
    const acked = journal.pending(2).map((e) => e.id);
    journal.acknowledge(acked);
    process.stdout.write(`A ${acked.join(' ')}\n`);
  }
  if (n % 300 === 0) journal.compact();
}
