// The agent's recent events, newest last in memory, kept on disk (atomically) so the tray and `cordon status`
// still show what happened after a restart. A corrupt file is reported, set aside and replaced — never fatal.
import { readFileSync, renameSync } from 'node:fs';
import { writeFileAtomic } from '../policy/atomic-file.ts';
import type { AgentEvent } from './status-types.ts';

export class RecentEvents {
  private events: AgentEvent[] = [];
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  /** Set when the file on disk could not be read; shown in status. */
  problem: string | undefined;

  constructor(
    private readonly file: string,
    private readonly max = 200,
    private readonly flushDelayMs = 200,
  ) {}

  load(): void {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.problem = `cannot read ${this.file}: ${(err as Error).message}`;
      return;
    }
    try {
      const parsed = JSON.parse(text) as unknown;
      if (!Array.isArray(parsed) || !parsed.every((e) => e && typeof e === 'object' && typeof (e as AgentEvent).id === 'string' && typeof (e as AgentEvent).type === 'string'))
        throw new Error('not a list of events');
      this.events = (parsed as AgentEvent[]).slice(-this.max);
    } catch (err) {
      const aside = `${this.file}.corrupt-${Date.now()}`;
      try {
        renameSync(this.file, aside);
      } catch {
        // leave it; the next flush replaces it
      }
      this.problem = `the recent-events file ${this.file} was corrupt (${(err as Error).message}); kept aside as ${aside} and started afresh`;
    }
  }

  push(event: AgentEvent): void {
    this.events.push(event);
    if (this.events.length > this.max) this.events.splice(0, this.events.length - this.max);
    this.dirty = true;
    // Coalesce bursts (a tool relaunched in a loop) into one write.
    this.timer ??= setTimeout(() => this.flush(), this.flushDelayMs);
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.dirty) return;
    this.dirty = false;
    writeFileAtomic(this.file, `${JSON.stringify(this.events)}\n`, 0o644);
  }

  newestFirst(limit = this.max): AgentEvent[] {
    return this.events.slice(-limit).reverse();
  }

  /** Events recorded after the one with this id, oldest first (all retained events when the id is unknown). */
  after(id: string | undefined, limit = 100): AgentEvent[] {
    const i = id ? this.events.findIndex((e) => e.id === id) : -1;
    return this.events.slice(i + 1, i + 1 + limit);
  }
}
