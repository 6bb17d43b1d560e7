// The agent's durable outbox: every event is appended and fsynced before it counts as recorded, and stays until
// the server acknowledges it. One record per line, `J<crc32 8 hex><byte length 8 hex> <json>\n`, so a record
// torn by a crash or power cut is detected (length or CRC mismatch) and cut off at open — never misparsed.
// Acknowledgements and drops are appended records too; compaction rewrites only what is still pending
// (temp file, fsync, atomic rename), so a crash at any point leaves the old journal or the new one.
import { closeSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import { writeFileAtomic } from '../../policy/index.ts';
import type { AgentEvent } from '../status-types.ts';

export interface EventJournalOptions {
  /** Most events kept waiting for the server; beyond it the oldest are dropped and counted. */
  maxEvents?: number;
  /** Events held in memory while the disk refuses writes (ENOSPC, EIO) before they too are dropped. */
  maxUnwritten?: number;
}

export interface JournalStats {
  pending: number;
  /** Events lost to the bound (or to a disk that refused them), cumulative over the journal's life. */
  dropped: number;
  bytes: number;
}

type JournalRecord = { e: AgentEvent } | { a: string[] } | { d: string[] } | { m: { dropped: number } };

const HEADER = 18; // 'J' + 8 hex CRC + 8 hex length + ' '
export const DEFAULT_JOURNAL_MAX_EVENTS = 50_000;

export class EventJournal {
  private fd: number;
  private size = 0;
  /** Journaled, unacknowledged events in append order (Map keeps insertion order). */
  private readonly events = new Map<string, AgentEvent>();
  /** Recorded while the disk refused writes; retried on every append and flush. */
  private unwritten: AgentEvent[] = [];
  private dropped = 0;
  /** Records that no longer carry a pending event: what a compaction would reclaim. */
  private dead = 0;
  private closed = false;
  private readonly maxEvents: number;
  private readonly maxUnwritten: number;
  /** Set while the disk refuses writes, or after a damaged journal was repaired at open; shown in status. */
  problem: string | undefined;

  private constructor(
    readonly file: string,
    options: EventJournalOptions,
  ) {
    this.maxEvents = options.maxEvents ?? DEFAULT_JOURNAL_MAX_EVENTS;
    this.maxUnwritten = options.maxUnwritten ?? 1000;
    if (!Number.isInteger(this.maxEvents) || this.maxEvents < 1) throw new Error(`journal maxEvents: must be a positive integer, got ${this.maxEvents}`);
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    removeStaleTemps(file);
    this.fd = openSync(file, 'a+', 0o600);
  }

  static open(file: string, options: EventJournalOptions = {}): EventJournal {
    const journal = new EventJournal(file, options);
    journal.load();
    return journal;
  }

  /** Records events durably. Returns false when the disk refused them: they are kept in memory, and `problem` says why. */
  append(...events: AgentEvent[]): boolean {
    const all = [...this.unwritten, ...events];
    this.unwritten = [];
    if (all.length === 0) return true;
    let batch = all;
    // Make room: the oldest pending events go first; a batch larger than the bound keeps its newest.
    const tooMany = Math.max(0, batch.length - this.maxEvents);
    const droppedFromBatch = batch.slice(0, tooMany).map((e) => e.id);
    batch = batch.slice(tooMany);
    const overflow = Math.max(0, this.events.size + batch.length - this.maxEvents);
    const dropIds = [...[...this.events.keys()].slice(0, overflow), ...droppedFromBatch];
    const records: JournalRecord[] = [...(dropIds.length ? [{ d: dropIds }] : []), ...batch.map((e) => ({ e }))];
    try {
      this.write(records);
    } catch (err) {
      this.keepUnwritten(all);
      this.problem = `cannot write the event journal ${this.file}: ${(err as Error).message}; ${this.unwritten.length} event(s) held in memory, ${this.dropped} dropped so far`;
      return false;
    }
    for (const id of dropIds) this.events.delete(id);
    this.dropped += dropIds.length;
    if (dropIds.length) this.dead += 1 + dropIds.length;
    for (const e of batch) this.events.set(e.id, e);
    if (this.problem?.startsWith('cannot write')) this.problem = undefined;
    return true;
  }

  /** Retries events held in memory after a write failure. */
  flush(): boolean {
    return this.append();
  }

  /** The oldest pending events, up to limit: journaled first, then any held in memory. */
  pending(limit = Infinity): AgentEvent[] {
    const out: AgentEvent[] = [];
    for (const e of this.events.values()) {
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
    const known = ids.filter((id) => this.events.has(id));
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
    for (const id of known) this.events.delete(id);
    this.dead += known.length + 1;
    if (this.dead > Math.max(1000, 2 * this.events.size)) this.compact();
  }

  stats(): JournalStats {
    return { pending: this.events.size + this.unwritten.length, dropped: this.dropped, bytes: this.size };
  }

  /** Rewrites the journal with only pending events (and the dropped count), atomically. */
  compact(): boolean {
    const text = encode([{ m: { dropped: this.dropped } }, ...[...this.events.values()].map((e) => ({ e }))]);
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
    if (excess > 0) this.dropped += excess;
  }

  private load(): void {
    const data = readFileSync(this.file);
    let off = 0;
    let damaged = 0;
    let goodEnd = 0;
    while (off < data.length) {
      const rec = decodeAt(data, off);
      if (rec) {
        this.apply(rec.record);
        off = rec.end;
        goodEnd = off;
        continue;
      }
      // A bad record: resynchronise on the next record that decodes, or stop (a torn tail).
      const next = nextRecordStart(data, off + 1);
      if (next === -1) break;
      damaged++;
      off = next;
    }
    if (goodEnd < data.length) {
      const tail = data.length - goodEnd;
      ftruncateSync(this.fd, goodEnd);
      fsyncSync(this.fd);
      this.problem = `the event journal ${basename(this.file)} ended in an incomplete record (${tail} bytes, from a crash); cut it off`;
    }
    if (damaged) this.problem = `the event journal ${basename(this.file)} had ${damaged} damaged record(s) in the middle; skipped them`;
    this.size = fstatSync(this.fd).size;
    if (this.events.size > this.maxEvents) {
      const excess = this.events.size - this.maxEvents;
      for (const id of [...this.events.keys()].slice(0, excess)) this.events.delete(id);
      this.dropped += excess;
      this.compact();
    } else if (this.dead > Math.max(1000, 2 * this.events.size) || damaged) this.compact();
  }

  private apply(record: JournalRecord): void {
    if ('e' in record) {
      if (this.events.has(record.e.id)) this.dead++;
      this.events.set(record.e.id, record.e);
    } else if ('a' in record) {
      for (const id of record.a) if (this.events.delete(id)) this.dead++;
      this.dead++;
    } else if ('d' in record) {
      for (const id of record.d) if (this.events.delete(id)) this.dead++;
      this.dropped += record.d.length;
      this.dead++;
    } else if ('m' in record) this.dropped = record.m.dropped;
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

function decodeAt(data: Buffer, off: number): { record: JournalRecord; end: number } | undefined {
  if (off + HEADER > data.length || data[off] !== 0x4a /* J */ || data[off + HEADER - 1] !== 0x20) return undefined;
  const header = data.toString('ascii', off + 1, off + HEADER - 1);
  if (!/^[0-9a-f]{16}$/.test(header)) return undefined;
  const crc = parseInt(header.slice(0, 8), 16);
  const length = parseInt(header.slice(8), 16);
  const start = off + HEADER;
  const end = start + length;
  if (end + 1 > data.length || data[end] !== 0x0a) return undefined;
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

function nextRecordStart(data: Buffer, from: number): number {
  for (let i = data.indexOf(0x4a, from); i !== -1; i = data.indexOf(0x4a, i + 1)) if (decodeAt(data, i)) return i;
  return -1;
}

function isRecord(r: unknown): r is JournalRecord {
  if (!r || typeof r !== 'object') return false;
  const o = r as Record<string, unknown>;
  if ('e' in o) return !!o.e && typeof (o.e as AgentEvent).id === 'string' && typeof (o.e as AgentEvent).type === 'string';
  if ('a' in o) return Array.isArray(o.a);
  if ('d' in o) return Array.isArray(o.d);
  if ('m' in o) return !!o.m && typeof (o.m as { dropped: unknown }).dropped === 'number';
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
