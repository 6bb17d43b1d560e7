// The agent's durable outbox: every event is appended and fsynced before it counts as recorded, and stays until
// the server acknowledges it. One record per line, `J<crc32 8 hex><byte length 8 hex> <json>\n`, so a record
// torn by a crash or power cut is detected (length or CRC mismatch) and cut off at open — never misparsed.
// Acknowledgements and drops are appended records too; compaction rewrites only what is still pending
// (temp file, fsync, atomic rename), so a crash at any point leaves the old journal or the new one.
// Bounded in events and in bytes (each event's size capped too): past the bound the oldest low-value events go
// first, then the oldest of any kind, and what went is counted by type in one summary event that is uploaded like
// any other, so nothing is lost silently. Loaded as a stream in chunks, bounded in memory whatever the file's
// size; openInBackground() yields between chunks, so the agent enforces while it replays.
import { closeSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { crc32 } from 'node:zlib';
import { writeFileAtomic } from '../../policy/atomic-file.ts';
import { capEventSize } from '../event-size-cap.ts';
import type { AgentEvent, AgentEventType } from '../status-types.ts';

export interface EventJournalOptions {
  /** Most events kept waiting for the server; beyond it the oldest are dropped and counted. */
  maxEvents?: number;
  /** Most bytes of pending events (as journaled); beyond it events are dropped as for maxEvents. */
  maxBytes?: number;
  /** Events held in memory while the disk refuses writes (ENOSPC, EIO) or the journal loads, before they too are dropped. */
  maxUnwritten?: number;
}

export interface JournalStats {
  pending: number;
  /** Events lost to the bound (or to a disk that refused them), cumulative over the journal's life. */
  dropped: number;
  bytes: number;
}

/** Drops not yet reported to the server: shown as one summary event (id stays until the server has it). */
interface DropSummary {
  id: string;
  counts: Record<string, number>;
  since: string;
}

type JournalRecord =
  | { e: AgentEvent }
  | { a: string[] }
  | { d: string[]; t?: Record<string, number>; s?: string; at?: string }
  | { m: { dropped: number; unreported?: DropSummary } };

const HEADER = 18; // 'J' + 8 hex CRC + 8 hex length + ' '
/** A record claiming more is damage (the largest real one, a drop list, stays well below). */
const MAX_RECORD = 16 * 1024 * 1024;
const READ_CHUNK = 1024 * 1024;
export const DEFAULT_JOURNAL_MAX_EVENTS = 50_000;
export const DEFAULT_JOURNAL_MAX_BYTES = 16 * 1024 * 1024;
export const DROP_SUMMARY_PREFIX = 'journal-dropped-';
/** Kept longest when the journal is full: what IT most needs to see. */
const HIGH_VALUE: ReadonlySet<AgentEventType> = new Set(['block', 'block-failed', 'quarantine', 'restore', 'policy.applied', 'policy.rejected', 'agent.error']);

export class EventJournal {
  private fd: number;
  private size = 0;
  /** Journaled, unacknowledged events in append order (Map keeps insertion order), with their journaled size. */
  private readonly events = new Map<string, { e: AgentEvent; bytes: number }>();
  /** The ids in `events` of low-value events, in the same order: dropped first. */
  private readonly lowValue = new Set<string>();
  private pendingBytes = 0;
  private unreported: DropSummary | undefined;
  /** The counts of the summary as last handed out for upload: drops after that are not in what the server got. */
  private summarySent: { id: string; counts: Record<string, number> } | undefined;
  /** True until the journal on disk has been read; appends meanwhile wait in `unwritten`. */
  private loading = true;
  /** Recorded while the disk refused writes; retried on every append and flush. */
  private unwritten: AgentEvent[] = [];
  private dropped = 0;
  /** Records that no longer carry a pending event: what a compaction would reclaim. */
  private dead = 0;
  private closed = false;
  private readonly maxEvents: number;
  private readonly maxBytes: number;
  private readonly maxUnwritten: number;
  /** Set while the disk refuses writes, or after a damaged journal was repaired at open; shown in status. */
  problem: string | undefined;

  private constructor(
    readonly file: string,
    options: EventJournalOptions,
  ) {
    this.maxEvents = options.maxEvents ?? DEFAULT_JOURNAL_MAX_EVENTS;
    this.maxBytes = options.maxBytes ?? DEFAULT_JOURNAL_MAX_BYTES;
    this.maxUnwritten = options.maxUnwritten ?? 1000;
    if (!Number.isInteger(this.maxEvents) || this.maxEvents < 1) throw new Error(`journal maxEvents: must be a positive integer, got ${this.maxEvents}`);
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    removeStaleTemps(file);
    this.fd = openSync(file, 'a+', 0o600);
  }

  /** Opens and reads the whole journal before returning (tools and tests; the agent uses loadInBackground). */
  static open(file: string, options: EventJournalOptions = {}): EventJournal {
    const journal = new EventJournal(file, options);
    for (const _ of journal.loadSteps());
    return journal;
  }

  /** Opens the journal now and reads it chunk by chunk, yielding to the event loop between chunks. */
  static openInBackground(file: string, options: EventJournalOptions = {}): { journal: EventJournal; loaded: Promise<void> } {
    const journal = new EventJournal(file, options);
    const loaded = (async () => {
      for (const _ of journal.loadSteps()) {
        if (journal.closed) return;
        await yieldToLoop();
      }
    })();
    return { journal, loaded };
  }

  get isLoading(): boolean {
    return this.loading;
  }

  /** Records events durably. Returns false when the disk refused them: they are kept in memory, and `problem` says why. */
  append(...events: AgentEvent[]): boolean {
    const all = [...this.unwritten, ...events.map(capEventSize)];
    this.unwritten = [];
    if (all.length === 0) return true;
    if (this.loading) {
      this.keepUnwritten(all);
      return true;
    }
    const sized = all.map((e) => ({ e, bytes: encode([{ e }]).length }));
    // A batch larger than the bound keeps its newest.
    let batchBytes = 0;
    let keepFrom = sized.length;
    while (keepFrom > 0 && sized.length - keepFrom < this.maxEvents && batchBytes + sized[keepFrom - 1]!.bytes <= this.maxBytes) batchBytes += sized[--keepFrom]!.bytes;
    const batch = sized.slice(keepFrom);
    const dropped = [...this.victims(batch.length, batchBytes), ...sized.slice(0, keepFrom).map((s) => s.e)];
    const summary = dropped.length ? this.summaryAfter(dropped) : undefined;
    const records: JournalRecord[] = [
      ...(dropped.length ? [{ d: dropped.map((e) => e.id), t: summary!.delta, s: summary!.next.id, at: summary!.next.since }] : []),
      ...batch.map(({ e }) => ({ e })),
    ];
    try {
      this.write(records);
    } catch (err) {
      this.keepUnwritten(all);
      this.problem = `cannot write the event journal ${this.file}: ${(err as Error).message}; ${this.unwritten.length} event(s) held in memory, ${this.dropped} dropped so far`;
      return false;
    }
    for (const e of dropped) this.forget(e.id);
    this.dropped += dropped.length;
    if (summary) this.unreported = summary.next;
    if (dropped.length) this.dead += 1 + dropped.length;
    for (const s of batch) this.remember(s.e, s.bytes);
    if (this.problem?.startsWith('cannot write')) this.problem = undefined;
    return true;
  }

  /** The pending events to drop so that `count` more events of `bytes` fit: oldest low-value first, then oldest. */
  private victims(count: number, bytes: number): AgentEvent[] {
    const out: AgentEvent[] = [];
    let n = this.events.size + count;
    let b = this.pendingBytes + bytes;
    const take = (id: string) => {
      const held = this.events.get(id)!;
      out.push(held.e);
      n--;
      b -= held.bytes;
    };
    const fits = () => n <= this.maxEvents && b <= this.maxBytes;
    for (const id of this.lowValue) {
      if (fits()) break;
      take(id);
    }
    const chosen = new Set(out.map((e) => e.id));
    for (const id of this.events.keys()) {
      if (fits()) break;
      if (!chosen.has(id)) take(id);
    }
    return out;
  }

  private summaryAfter(dropped: AgentEvent[]): { next: DropSummary; delta: Record<string, number> } {
    const delta: Record<string, number> = {};
    for (const e of dropped) delta[e.type] = (delta[e.type] ?? 0) + 1;
    const prev = this.unreported ?? { id: `${DROP_SUMMARY_PREFIX}${crypto.randomUUID()}`, counts: {}, since: new Date().toISOString() };
    const counts = { ...prev.counts };
    for (const [t, k] of Object.entries(delta)) counts[t] = (counts[t] ?? 0) + k;
    return { next: { ...prev, counts }, delta };
  }

  private remember(e: AgentEvent, bytes: number): void {
    this.forget(e.id);
    this.events.set(e.id, { e, bytes });
    this.pendingBytes += bytes;
    if (!HIGH_VALUE.has(e.type)) this.lowValue.add(e.id);
  }

  private forget(id: string): boolean {
    const held = this.events.get(id);
    if (!held) return false;
    this.events.delete(id);
    this.lowValue.delete(id);
    this.pendingBytes -= held.bytes;
    return true;
  }

  /** The server has the summary as sent: drops counted since then start a new one. */
  private summaryAcknowledged(): void {
    const u = this.unreported!;
    const sent = this.summarySent?.id === u.id ? this.summarySent.counts : u.counts;
    const rest = Object.fromEntries(Object.entries(u.counts).map(([t, n]) => [t, n - (sent[t] ?? 0)]).filter(([, n]) => (n as number) > 0));
    this.unreported = undefined;
    this.summarySent = undefined;
    if (Object.keys(rest).length === 0) return;
    const next = { id: `${DROP_SUMMARY_PREFIX}${crypto.randomUUID()}`, counts: rest, since: new Date().toISOString() };
    try {
      this.write([{ d: [], t: rest, s: next.id, at: next.since }]);
    } catch {
      // kept in memory; the next compaction writes it
    }
    this.unreported = next;
  }

  /** The drops not yet reported, as the event the server is sent. */
  private summaryEvent(): AgentEvent | undefined {
    const u = this.unreported;
    if (!u) return undefined;
    const total = Object.values(u.counts).reduce((a, b) => a + b, 0);
    const byType = Object.entries(u.counts).map(([t, n]) => `${n} ${t}`).join(', ');
    return {
      id: u.id,
      type: 'agent.error',
      at: u.since,
      message: `${total} event(s) were dropped to keep the event journal within its bound (${byType}) since ${u.since}`,
      detail: { journalDropped: total, ...Object.fromEntries(Object.entries(u.counts).map(([t, n]) => [`dropped.${t}`, n])) },
    };
  }

  /** Retries events held in memory after a write failure. */
  flush(): boolean {
    return this.append();
  }

  /** The oldest pending events, up to limit: the drop summary, journaled events, then any held in memory. */
  pending(limit = Infinity): AgentEvent[] {
    const out: AgentEvent[] = [];
    const summary = this.summaryEvent();
    if (summary && limit > 0) {
      out.push(summary);
      this.summarySent = { id: this.unreported!.id, counts: { ...this.unreported!.counts } };
    }
    for (const { e } of this.events.values()) {
      if (out.length >= limit) return out;
      out.push(e);
    }
    for (const e of this.unwritten) {
      if (out.length >= limit) break;
      out.push(e);
    }
    return out;
  }

  /** Removes events the server holds durably. Unknown ids are ignored (already acknowledged or dropped). */
  acknowledge(ids: readonly string[]): void {
    const known = ids.filter((id) => this.events.has(id) || id === this.unreported?.id);
    const before = this.unwritten.length;
    const acked = new Set(ids);
    this.unwritten = this.unwritten.filter((e) => !acked.has(e.id));
    if (this.unwritten.length !== before && this.unwritten.length === 0 && this.problem?.startsWith('cannot write')) this.problem = undefined;
    if (known.length === 0) return;
    try {
      this.write([{ a: known }]);
    } catch (err) {
      // Not durable: after a restart these are sent again, and the server de-duplicates on id.
      this.problem = `cannot write the event journal ${this.file}: ${(err as Error).message}`;
    }
    for (const id of known) if (!this.forget(id) && id === this.unreported?.id) this.summaryAcknowledged();
    this.dead += known.length + 1;
    if (this.dead > Math.max(1000, 2 * this.events.size)) this.compact();
  }

  stats(): JournalStats {
    return { pending: this.events.size + this.unwritten.length + (this.unreported ? 1 : 0), dropped: this.dropped, bytes: this.size };
  }

  /** Rewrites the journal with only pending events (and the dropped count), atomically. */
  compact(): boolean {
    const text = encode([{ m: { dropped: this.dropped, ...(this.unreported ? { unreported: this.unreported } : {}) } }, ...[...this.events.values()].map(({ e }) => ({ e }))]);
    try {
      writeFileAtomic(this.file, text, 0o600);
    } catch (err) {
      // A full disk: the journal as it stands is still correct, only longer. Try again later.
      this.problem ??= `cannot compact the event journal ${this.file}: ${(err as Error).message}`;
      return false;
    }
    closeSync(this.fd);
    this.fd = openSync(this.file, 'a+', 0o600);
    this.size = text.length;
    this.dead = 0;
    return true;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }

  private write(records: JournalRecord[]): void {
    if (this.closed) throw new Error(`the event journal ${this.file} is closed`);
    const buf = encode(records);
    try {
      let off = 0;
      while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
      fsyncSync(this.fd);
    } catch (err) {
      // Never leave half a record in front of the next one.
      try {
        ftruncateSync(this.fd, this.size);
      } catch {
        // the next open cuts the torn record off
      }
      throw err;
    }
    this.size += buf.length;
  }

  private keepUnwritten(batch: AgentEvent[]): void {
    const excess = batch.length - this.maxUnwritten;
    this.unwritten = excess > 0 ? batch.slice(excess) : batch;
    if (excess > 0) {
      this.dropped += excess;
      this.unreported = this.summaryAfter(batch.slice(0, excess)).next;
    }
  }

  /** Reads the journal in chunks (one step each), cutting off a torn tail and skipping damaged records. */
  private *loadSteps(): Generator<void> {
    // One working buffer, reused: the unread rest moves to its front and the next chunk is read after it (it
    // grows only for a record larger than it), so replaying allocates nothing per chunk.
    let work = Buffer.allocUnsafe(2 * READ_CHUNK);
    let buf = work.subarray(0, 0);
    let bufAt = 0; // file offset of buf[0]
    let eof = false;
    let damaged = 0;
    let goodEnd = 0;
    const fill = () => {
      if (buf.length + READ_CHUNK > work.length) {
        const bigger = Buffer.allocUnsafe(buf.length + 2 * READ_CHUNK);
        buf.copy(bigger);
        work = bigger;
      } else if (buf.byteOffset !== work.byteOffset) buf.copy(work);
      const n = readSync(this.fd, work, buf.length, READ_CHUNK, bufAt + buf.length);
      if (n === 0) eof = true;
      buf = work.subarray(0, buf.length + n);
    };
    let off = 0;
    let resyncing = false;
    for (;;) {
      if (off >= READ_CHUNK) {
        buf = buf.subarray(off);
        bufAt += off;
        off = 0;
        yield;
      }
      const got = decodeAt(buf, off, eof);
      if (got === 'more') {
        if (eof) break;
        fill();
        continue;
      }
      if (got) {
        if (resyncing) damaged++;
        resyncing = false;
        this.apply(got.record);
        this.enforceBound();
        off = got.end;
        goodEnd = bufAt + off;
        continue;
      }
      // A bad record: resynchronise on the next record that decodes, or stop (a torn tail).
      resyncing = true;
      const next = buf.indexOf(0x4a, off + 1);
      if (next !== -1) off = next;
      else if (eof) break;
      else {
        bufAt += buf.length;
        buf = work.subarray(0, 0);
        off = 0;
        fill();
      }
    }
    const size = fstatSync(this.fd).size;
    if (goodEnd < size) {
      ftruncateSync(this.fd, goodEnd);
      fsyncSync(this.fd);
      if (!damaged || resyncing) this.problem = `the event journal ${basename(this.file)} ended in an incomplete record (${size - goodEnd} bytes, from a crash); cut it off`;
    }
    if (damaged) this.problem = `the event journal ${basename(this.file)} had ${damaged} damaged record(s) in the middle; skipped them`;
    this.size = fstatSync(this.fd).size;
    this.loading = false;
    if (this.boundDropped || this.dead > Math.max(1000, 2 * this.events.size) || damaged) this.compact();
    this.boundDropped = false;
    // What was recorded while loading.
    this.flush();
  }

  /** Dropped at load because the journal on disk was over today's bound (e.g. written by an older agent). */
  private boundDropped = false;

  private enforceBound(): void {
    if (this.events.size <= this.maxEvents && this.pendingBytes <= this.maxBytes) return;
    const victims = this.victims(0, 0);
    if (!victims.length) return;
    const summary = this.summaryAfter(victims);
    for (const e of victims) this.forget(e.id);
    this.dropped += victims.length;
    this.unreported = summary.next;
    this.boundDropped = true;
  }

  private apply(record: JournalRecord): void {
    if ('e' in record) {
      if (this.events.has(record.e.id)) this.dead++;
      const e = capEventSize(record.e);
      this.remember(e, encode([{ e }]).length);
    } else if ('a' in record) {
      for (const id of record.a) {
        if (this.forget(id)) this.dead++;
        else if (id === this.unreported?.id) this.unreported = undefined;
      }
      this.dead++;
    } else if ('d' in record) {
      for (const id of record.d) if (this.forget(id)) this.dead++;
      this.dropped += record.d.length;
      if (record.t && record.s) {
        const prev = this.unreported?.id === record.s ? this.unreported : { id: record.s, counts: {}, since: record.at ?? new Date().toISOString() };
        const counts = { ...prev.counts };
        for (const [t, k] of Object.entries(record.t)) counts[t] = (counts[t] ?? 0) + (Number(k) || 0);
        this.unreported = { ...prev, counts };
      }
      this.dead++;
    } else if ('m' in record) {
      this.dropped = record.m.dropped;
      this.unreported = record.m.unreported;
    }
  }
}

function encode(records: JournalRecord[]): Buffer {
  const parts: Buffer[] = [];
  for (const r of records) {
    const body = Buffer.from(JSON.stringify(r), 'utf8');
    parts.push(Buffer.from(`J${hex8(crc32(body))}${hex8(body.length)} `, 'ascii'), body, Buffer.from('\n'));
  }
  return Buffer.concat(parts);
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

/** The record at off; 'more' when the buffer ends before it could be judged (and the file may go on). */
function decodeAt(data: Buffer, off: number, eof: boolean): { record: JournalRecord; end: number } | 'more' | undefined {
  if (off >= data.length) return 'more';
  if (data[off] !== 0x4a /* J */) return undefined;
  if (off + HEADER > data.length) return eof ? undefined : 'more';
  if (data[off + HEADER - 1] !== 0x20) return undefined;
  const header = data.toString('ascii', off + 1, off + HEADER - 1);
  if (!/^[0-9a-f]{16}$/.test(header)) return undefined;
  const crc = parseInt(header.slice(0, 8), 16);
  const length = parseInt(header.slice(8), 16);
  if (length > MAX_RECORD) return undefined;
  const start = off + HEADER;
  const end = start + length;
  if (end + 1 > data.length) return eof ? undefined : 'more';
  if (data[end] !== 0x0a) return undefined;
  const body = data.subarray(start, end);
  if (crc32(body) !== crc) return undefined;
  try {
    const record = JSON.parse(body.toString('utf8')) as JournalRecord;
    if (!isRecord(record)) return undefined;
    return { record, end: end + 1 };
  } catch {
    return undefined;
  }
}

function isRecord(r: unknown): r is JournalRecord {
  if (!r || typeof r !== 'object') return false;
  const o = r as Record<string, unknown>;
  if ('e' in o) return !!o.e && typeof (o.e as AgentEvent).id === 'string' && typeof (o.e as AgentEvent).type === 'string';
  if ('a' in o) return Array.isArray(o.a);
  if ('d' in o) return Array.isArray(o.d) && (o.t === undefined || (!!o.t && typeof o.t === 'object')) && (o.s === undefined || typeof o.s === 'string');
  if ('m' in o) {
    const m = o.m as { dropped?: unknown; unreported?: DropSummary } | null;
    return !!m && typeof m.dropped === 'number' && (m.unreported === undefined || (typeof m.unreported.id === 'string' && !!m.unreported.counts && typeof m.unreported.counts === 'object'));
  }
  return false;
}

/** Temp files of a compaction a crash interrupted: the journal itself is intact, so they are garbage. */
function removeStaleTemps(file: string): void {
  const dir = dirname(file);
  const prefix = `${basename(file)}.`;
  for (const name of readdirSync(dir)) {
    if (name.startsWith(prefix) && name.endsWith('.tmp')) {
      try {
        unlinkSync(join(dir, name));
      } catch {
        // another process's temp, or already gone
      }
    }
  }
}
