// A child process that measures the agent's event journal in memory, apart from the test runner's own heap:
//   load FILE         opens (replays) a journal and reports what it holds and the process's peak RSS;
//   flood DIR N       an offline SyncAgent records N blocks with maximal argv, as a look-alike launched in a loop
//                     with long arguments would produce them, and reports the same.
import { readFileSync } from 'node:fs';
import { EventJournal } from '../../agent/sync/event-journal.ts';
import { SyncAgent } from '../../agent/sync/sync-agent.ts';
import { generateSigningKey, keyIdOf, loadPublicKey } from '../../policy/index.ts';

const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
const [mode, path, count] = process.argv.slice(2) as [string, string, string?];
const LONG_ARGV = Array.from({ length: 32 }, (_, i) => `--flag-${i}=${String(i).repeat(512)}`.slice(0, 512));

if (mode === 'load') {
  const baseline = kib('VmRSS');
  const journal = EventJournal.open(path);
  const stats = journal.stats();
  const summary = journal.pending(1)[0];
  process.stdout.write(`${JSON.stringify({ ...stats, baselineKiB: baseline, peakKiB: kib('VmHWM'), summary })}\n`);
} else if (mode === 'flood') {
  const key = loadPublicKey(generateSigningKey().publicKeyPem);
  const agent = await SyncAgent.open({
    config: { source: 'probe', serverUrl: 'http://127.0.0.1:9', enrolSecret: 'offline-secret-0123456789', pinnedKeys: [key], pinnedKeyIds: [keyIdOf(key)], groups: [], tags: [], overrides: {} },
    stateDir: path,
    agentVersion: 'probe',
    onPolicy: () => undefined,
    health: () => ({ mode: 'enforce', policy: { id: 'p', serial: null, digest: 'd' }, watcher: 'probe', problems: [], installed: [] }),
    keychain: false,
    schedule: false,
  });
  const baseline = kib('VmRSS');
  await new Promise((r) => setTimeout(r, 50)); // the (empty) journal finishes loading
  for (let i = 0; i < Number(count); i++)
    agent.record({ id: `flood-${i}`, type: 'block', at: new Date().toISOString(), toolId: 'claude-code', pid: 1000 + i, user: 'mallory', exe: '/home/mallory/claude', argv: LONG_ARGV, message: `stopped claude ${i}` });
  globalThis.gc?.();
  const info = agent.info();
  process.stdout.write(`${JSON.stringify({ queue: info.queue, baselineKiB: baseline, rssKiB: kib('VmRSS'), peakKiB: kib('VmHWM') })}\n`);
  await agent.stop();
}
