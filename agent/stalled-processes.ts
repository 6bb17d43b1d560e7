// Processes the agent's loop stalled on while acting on them (a stop verifies the executable's identity with a
// stat that follows it to its file system: a hung mount can block that too; identification itself runs on
// threads with a read timeout, agent/identification/). Without this list a restarted agent would meet the same
// process first and stall again, for ever: enforcement for everyone would be lost to one process. A listed process (pid and start time, so a reused
// pid is not) is skipped and reported; entries are kept a week and at most 64, in the agent's own state dir.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../policy/atomic-file.ts';

export interface StalledProcess {
  pid: number;
  startTime: number;
  activity: string;
  at: string;
}

const FILE = 'stalled-processes.json';
const MAX_ENTRIES = 64;
const KEEP_MS = 7 * 86_400_000;

export class StalledProcesses {
  private constructor(
    private readonly file: string,
    private entries: StalledProcess[],
  ) {}

  static load(stateDir: string): StalledProcesses {
    const file = join(stateDir, FILE);
    let entries: StalledProcess[] = [];
    try {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
      if (Array.isArray(parsed)) entries = parsed.filter((e: Partial<StalledProcess>) => Number.isInteger(e.pid) && Number.isFinite(e.startTime) && typeof e.at === 'string') as StalledProcess[];
    } catch {
      // none yet, or unreadable: start empty (the list only ever spares processes)
    }
    return new StalledProcesses(file, entries);
  }

  get size(): number {
    return this.entries.length;
  }

  has(pid: number, startTime: number): boolean {
    return this.entries.some((e) => e.pid === pid && e.startTime === startTime);
  }

  add(entry: StalledProcess, now = Date.now()): void {
    this.entries = [...this.entries.filter((e) => now - Date.parse(e.at) < KEEP_MS && !(e.pid === entry.pid && e.startTime === entry.startTime)), entry].slice(-MAX_ENTRIES);
    writeFileAtomic(this.file, `${JSON.stringify(this.entries)}\n`, 0o600);
  }
}
