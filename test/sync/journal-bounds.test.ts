// The event journal cannot be made to crash-loop the agent: it is bounded in bytes as well as events, each
// event's size is capped, the oldest low-value events go first and every drop is counted in a summary event the
// server receives, a journal of any size is replayed as a stream within a memory bound, and a real agent starts
// enforcing before the replay has finished.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import { after, test } from 'node:test';
import { MAX_EVENT_BYTES } from '../../agent/event-size-cap.ts';
import { DROP_SUMMARY_PREFIX, EventJournal } from '../../agent/sync/event-journal.ts';
import type { AgentEvent } from '../../agent/status-types.ts';
import { generateSigningKey } from '../../policy/index.ts';
import { startAgent } from '../support/agent-process.ts';
import { prepareCliSession } from '../support/ai-cli-session.ts';
import { installRealCli } from '../support/real-clis.ts';
import { RequestRecorder } from '../support/request-recorder.ts';

const PROBE = fileURLToPath(new URL('./journal-memory-probe.ts', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'cordon-journal-bounds-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const LONG_ARGV = Array.from({ length: 32 }, (_, i) => `--flag-${i}=${String(i).repeat(512)}`.slice(0, 512));
const block = (id: string, extra: Partial<AgentEvent> = {}): AgentEvent => ({ id, type: 'block', at: new Date().toISOString(), toolId: 'claude-code', user: 'mallory', argv: LONG_ARGV, ...extra });

function probe(...args: string[]): Record<string, unknown> {
  return JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', PROBE, ...args], { encoding: 'utf8', maxBuffer: 1 << 20, timeout: 10 * 60_000 })) as Record<string, unknown>;
}

/** A journal as an older agent (no byte bound) could leave it: `count` maximal block events, written directly. */
function writeHugeJournal(file: string, count: number): number {
  const fd = openSync(file, 'w', 0o600);
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const body = Buffer.from(JSON.stringify({ e: block(`old-${i}`, { message: 'm'.repeat(1000) }) }));
    const rec = Buffer.concat([Buffer.from(`J${crc32(body).toString(16).padStart(8, '0')}${body.length.toString(16).padStart(8, '0')} `), body, Buffer.from('\n')]);
    bytes += writeSync(fd, rec);
  }
  closeSync(fd);
  return bytes;
}

test('bounded in bytes: oldest low-value events go first, each event is capped, and every drop is in one summary event', () => {
  const file = join(scratch, 'bytes.journal');
  const j = EventJournal.open(file, { maxBytes: 64 * 1024 });
  for (let i = 0; i < 10; i++) j.append({ id: `audit-${i}`, type: 'audit', at: new Date().toISOString(), argv: LONG_ARGV });
  for (let i = 0; i < 30; i++) j.append(block(`block-${i}`));
  const pending = j.pending();
  const [summary, ...events] = pending;
  assert.ok(summary!.id.startsWith(DROP_SUMMARY_PREFIX), 'the summary goes first');
  assert.ok(events.every((e) => Buffer.byteLength(JSON.stringify(e)) <= MAX_EVENT_BYTES), 'every event is capped');
  assert.ok(events.every((e) => e.detail?.truncated === true));
  assert.equal(events.filter((e) => e.type === 'audit').length, 0, 'the audits went before any block');
  assert.deepEqual(events.map((e) => e.id), events.map((_, i) => `block-${30 - events.length + i}`), 'the newest blocks stay, in order');
  const bytes = events.reduce((n, e) => n + Buffer.byteLength(JSON.stringify({ e })) + 19, 0);
  assert.ok(bytes <= 64 * 1024, `pending events take ${bytes} bytes`);
  assert.equal(summary!.detail?.['dropped.audit'], 10);
  assert.equal(summary!.detail?.['dropped.block'], 30 - events.length);
  assert.equal(summary!.detail?.journalDropped, 40 - events.length, 'kept + dropped = recorded: nothing is lost silently');
  assert.equal(j.stats().dropped, 40 - events.length);
  j.close();
  // The summary survives a restart, and once the server has it, it is gone (later drops start a new one).
  const back = EventJournal.open(file, { maxBytes: 64 * 1024 });
  assert.deepEqual(back.pending()[0], summary);
  back.acknowledge([summary!.id]);
  assert.ok(!back.pending().some((e) => e.id.startsWith(DROP_SUMMARY_PREFIX)));
  back.append(block('one-more'));
  const next = back.pending()[0]!;
  assert.ok(next.id.startsWith(DROP_SUMMARY_PREFIX) && next.id !== summary!.id);
  assert.equal(next.detail?.journalDropped, 1);
  back.close();
});

test('a journal of maximal size (200 MB from an older agent) is replayed as a stream within a memory bound', () => {
  const file = join(scratch, 'huge.journal');
  const written = writeHugeJournal(file, 12_000);
  const loaded = probe('load', file) as { pending: number; dropped: number; baselineKiB: number; peakKiB: number; summary: AgentEvent };
  const grewMiB = (loaded.peakKiB - loaded.baselineKiB) / 1024;
  process.stdout.write(`# replayed ${(written / 2 ** 20).toFixed(0)} MiB journal: ${loaded.pending} pending, ${loaded.dropped} dropped; RSS ${Math.round(loaded.baselineKiB / 1024)} MiB → peak ${Math.round(loaded.peakKiB / 1024)} MiB (+${grewMiB.toFixed(0)} MiB); file now ${(statSync(file).size / 2 ** 20).toFixed(1)} MiB\n`);
  assert.ok(grewMiB < 120, `replaying grew the process by ${grewMiB.toFixed(0)} MiB`);
  assert.ok(loaded.dropped > 0 && loaded.summary.id.startsWith(DROP_SUMMARY_PREFIX), 'what did not fit is counted in the summary');
  assert.ok(statSync(file).size <= 17 * 2 ** 20, 'compacted to the bound');
});

test('a flood of maximal-argv blocks while offline keeps the memory and the journal bounded', () => {
  const dir = mkdtempSync(join(scratch, 'flood-'));
  const n = 6000;
  const flood = probe('flood', dir, String(n)) as { queue: { pending: number; dropped: number }; baselineKiB: number; rssKiB: number; peakKiB: number };
  const grewMiB = (flood.peakKiB - flood.baselineKiB) / 1024;
  const fileMiB = statSync(join(dir, 'events.journal')).size / 2 ** 20;
  process.stdout.write(`# offline flood of ${n} blocks with 32×512-character argv: queue ${JSON.stringify(flood.queue)}; RSS ${Math.round(flood.baselineKiB / 1024)} → ${Math.round(flood.rssKiB / 1024)} MiB (peak +${grewMiB.toFixed(0)} MiB); journal ${fileMiB.toFixed(1)} MiB\n`);
  assert.ok(grewMiB < 80, `the flood grew the agent by ${grewMiB.toFixed(0)} MiB`);
  assert.ok(fileMiB < 40, `the journal grew to ${fileMiB.toFixed(1)} MiB`);
  assert.ok(flood.queue.dropped > 0, 'the flood reached the bound');
  assert.equal(flood.queue.pending + flood.queue.dropped, n + 1, 'every event is either pending or counted (plus the summary)');
});

test('the real agent enforces before it has finished replaying a large journal', async () => {
  const claude = installRealCli('claude-code');
  const recorder = await RequestRecorder.start();
  const stateDir = mkdtempSync(join(scratch, 'state-'));
  writeHugeJournal(join(stateDir, 'events.journal'), 12_000);
  const config = join(stateDir, 'agent.yaml');
  const pem = generateSigningKey().publicKeyPem.trim().split('\n').map((l) => `    ${l}`).join('\n');
  writeFileSync(config, `serverUrl: http://127.0.0.1:9\nenrolSecret: offline-secret-0123456789\npinnedKeys:\n  - |\n${pem}\n`, { mode: 0o600 });
  const agent = await startAgent({ stateDir, env: { CORDON_CONFIG: config, DBUS_SESSION_BUS_ADDRESS: '' } });
  try {
    const session = prepareCliSession('claude-code', join(stateDir, 'home'), recorder.url);
    const child = spawn(claude.bin, session.args, { env: session.env, stdio: 'ignore' });
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_c, s) => resolve(s)));
    assert.equal(signal, 'SIGKILL');
    await agent.waitForEvent((e) => e.type === 'block' && e.pid === child.pid, 60_000);
    const deadline = Date.now() + 120_000;
    while (!agent.output().stderr.includes('event journal loaded') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const log = agent.output().stderr.split('\n');
    const loadedAt = log.findIndex((l) => l.includes('event journal loaded'));
    const blockedAt = log.findIndex((l) => l.includes(`"pid":${child.pid}`) && l.includes('"type":"block"'));
    assert.ok(loadedAt > 0, 'the journal finished loading');
    assert.ok(blockedAt >= 0 && blockedAt < loadedAt, `the block (log line ${blockedAt}) came after the replay finished (line ${loadedAt})`);
    process.stdout.write(`# ${log[loadedAt]}\n`);
  } finally {
    await agent.stop();
    await recorder.close();
  }
});
