// The agent's last line of defence against a stuck event loop (a read that never returns, a runaway loop): a
// worker thread watches a heartbeat the main loop bumps every second. When the beats stop for `stallMs`, the
// worker writes a stall record into the state dir and kills the process; the service manager (systemd
// Restart=always, launchd KeepAlive, the Windows service's recovery) starts it again, and the new agent reports
// the stall as a health event. A worker, not systemd's WatchdogSec: Node cannot send sd_notify datagrams itself,
// and `systemd-notify` run from a child needs NotifyAccess=all and races the child's exit. This also works under
// launchd and on Windows.
import { readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

export const STALL_FILE = 'loop-stall.json';
const BEAT_MS = 1000;
const ACTIVITY_BYTES = 512;
// Shared buffer layout: two Int32 slots (the beat counter, the activity's length in bytes), two Float64 slots (the
// pid and start time of the process being identified, 0 when none), then the activity text.
const BEAT = 0;
const ACTIVITY_LENGTH = 1;
const PROCESS_OFFSET = 8;
const TEXT_OFFSET = 24;

export interface StallRecord {
  at: string;
  stalledForMs: number;
  /** What the main loop said it was doing when it stopped (e.g. which process it was identifying). */
  activity: string;
  /** The process being identified when the loop stopped, if one was. */
  process?: { pid: number; startTime: number };
}

// Plain CommonJS run with `eval`, so the worker needs no TypeScript loader. It sleeps on Atomics.wait (not
// timers: it has no reason to run an event loop) and measures time on its own monotonic clock.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { shared, stallFile, stallMs, checkMs } = workerData;
const slots = new Int32Array(shared, 0, 2);
const proc = new Float64Array(shared, ${PROCESS_OFFSET}, 2);
const activity = new Uint8Array(shared, ${TEXT_OFFSET});
const sleeper = new Int32Array(new SharedArrayBuffer(4));
let last = Atomics.load(slots, ${BEAT});
let since = performance.now();
for (;;) {
  Atomics.wait(sleeper, 0, 0, checkMs);
  const beat = Atomics.load(slots, ${BEAT});
  if (beat !== last) {
    last = beat;
    since = performance.now();
    continue;
  }
  const stalledForMs = Math.round(performance.now() - since);
  if (stalledForMs < stallMs) continue;
  const doing = Buffer.from(activity.subarray(0, Atomics.load(slots, ${ACTIVITY_LENGTH}))).toString('utf8');
  const record = JSON.stringify({ at: new Date().toISOString(), stalledForMs, activity: doing, process: proc[0] ? { pid: proc[0], startTime: proc[1] } : undefined });
  try {
    const tmp = stallFile + '.' + process.pid + '.tmp';
    const fd = fs.openSync(tmp, 'w', 0o600);
    fs.writeSync(fd, record);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(tmp, stallFile);
  } catch {}
  // The logger lives on the stuck thread: write the line straight to stderr (the service manager's journal).
  try {
    fs.writeSync(2, JSON.stringify({ level: 60, time: Date.now(), pid: process.pid, name: 'cordon-agent', stalledForMs, activity: doing, msg: 'event loop stalled; the watchdog stops the agent so that it is restarted' }) + '\\n');
  } catch {}
  process.kill(process.pid, 'SIGKILL');
}
`;

export class LoopWatchdog {
  private readonly shared = new SharedArrayBuffer(TEXT_OFFSET + ACTIVITY_BYTES);
  private readonly slots = new Int32Array(this.shared, 0, 2);
  private readonly process = new Float64Array(this.shared, PROCESS_OFFSET, 2);
  private readonly activity = new Uint8Array(this.shared, TEXT_OFFSET);
  private readonly encoder = new TextEncoder();
  private readonly worker: Worker;
  private readonly timer: NodeJS.Timeout;

  private constructor(stateDir: string, stallMs: number) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { shared: this.shared, stallFile: join(stateDir, STALL_FILE), stallMs, checkMs: Math.min(BEAT_MS, stallMs / 4) },
    });
    // Neither the worker nor the beat keeps the agent alive: its signal handlers decide when it ends.
    this.worker.unref();
    this.timer = setInterval(() => Atomics.add(this.slots, BEAT, 1), BEAT_MS);
    this.timer.unref();
  }

  /** Watches this process's event loop; a stall of `stallMs` or more is recorded in `stateDir` and kills it. */
  static start(stateDir: string, stallMs: number): LoopWatchdog {
    return new LoopWatchdog(stateDir, stallMs);
  }

  /**
   * What the loop is about to do, kept for the stall record (text truncated to 512 bytes), and the process it is
   * identifying, if any. Cheap: no allocation. Read by the worker only once the loop has stopped writing.
   */
  doing(text: string, process?: { pid: number; startTime: number }): void {
    const { written } = this.encoder.encodeInto(text, this.activity);
    this.process[0] = process?.pid ?? 0;
    this.process[1] = process?.startTime ?? 0;
    Atomics.store(this.slots, ACTIVITY_LENGTH, written);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.worker.terminate();
  }
}

/** The stall record a previous run left (and removes it), or null when the last run did not stall. */
export function takeStallRecord(stateDir: string): StallRecord | null {
  const file = join(stateDir, STALL_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  unlinkSync(file);
  try {
    const r = JSON.parse(text) as Partial<StallRecord>;
    const p = r.process;
    const known = p && Number.isInteger(p.pid) && p.pid > 0 && Number.isFinite(p.startTime);
    return { at: String(r.at ?? ''), stalledForMs: Number(r.stalledForMs ?? 0), activity: String(r.activity ?? ''), ...(known ? { process: { pid: p.pid, startTime: p.startTime } } : {}) };
  } catch {
    return { at: '', stalledForMs: 0, activity: 'unknown (the stall record was unreadable)' };
  }
}
