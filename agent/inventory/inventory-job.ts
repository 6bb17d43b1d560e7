// The inventory as the agent runs it: crash recovery of the quarantine store once at start, a first pass, then
// one pass per policy interval (node-cron, default hourly) and on demand; passes never overlap. The latest
// result feeds the status API (`installed`) and heartbeats; every event goes to `record`.
import cron, { type ScheduledTask } from 'node-cron';
import type { Matcher } from '../../policy/index.ts';
import { QuarantineStore } from '../quarantine/quarantine-store.ts';
import type { AgentEvent, InstalledTool } from '../status-types.ts';
import { runInventoryPass, type InventoryResult } from './inventory-pass.ts';
import type { UserHome } from './user-homes.ts';

export interface InventoryJobOptions {
  stateDir: string;
  /** The matcher in force (read at every pass, so a new policy applies to the next one). */
  matcher: () => Matcher;
  record: (event: AgentEvent) => void;
  /** Apply `installed: quarantine` (default true). */
  quarantine?: boolean;
  homes?: readonly UserHome[];
  onError?: (err: unknown) => void;
}

/** A cron expression (with seconds) for "every N seconds", N from 300 s to 7 days as the policy allows. */
export function cronForInterval(seconds: number): string {
  if (seconds % 86_400 === 0) return `0 0 0 */${seconds / 86_400} * *`;
  if (seconds % 3600 === 0) return `0 0 */${seconds / 3600} * * *`;
  return `0 */${Math.max(1, Math.round(seconds / 60))} * * * *`;
}

export class InventoryJob {
  private task: ScheduledTask | undefined;
  private running: Promise<InventoryResult> | undefined;
  private last: InventoryResult | undefined;
  readonly store: QuarantineStore;

  constructor(private readonly o: InventoryJobOptions) {
    this.store = new QuarantineStore(o.stateDir);
  }

  /** Recovers the quarantine store, runs a first pass, then schedules one every `intervalSeconds`. */
  async start(intervalSeconds: number): Promise<void> {
    const report = await this.store.recover();
    for (const p of report.problems) this.o.onError?.(new Error(`quarantine recovery: ${p}`));
    this.reschedule(intervalSeconds);
    await this.runNow().catch((err: unknown) => this.o.onError?.(err));
  }

  /** Call when the policy's inventoryIntervalSeconds changes. */
  reschedule(intervalSeconds: number): void {
    void this.task?.stop();
    this.task = cron.schedule(cronForInterval(intervalSeconds), () => this.runNow().then(() => undefined, (err: unknown) => this.o.onError?.(err)), { noOverlap: true, name: 'inventory' });
  }

  /** Runs a pass now, or joins the one already running. */
  runNow(): Promise<InventoryResult> {
    this.running ??= runInventoryPass({ stateDir: this.o.stateDir, matcher: this.o.matcher(), homes: this.o.homes, quarantine: this.o.quarantine === false ? undefined : this.store })
      .then((r) => {
        this.last = r;
        for (const e of r.events) this.o.record(e);
        return r;
      })
      .finally(() => (this.running = undefined));
    return this.running;
  }

  /** What the latest pass found (status API `installed`, heartbeat `installed`). */
  get installed(): InstalledTool[] {
    return this.last?.installed ?? [];
  }

  get lastResult(): InventoryResult | undefined {
    return this.last;
  }

  async stop(): Promise<void> {
    await this.task?.stop();
    await this.running?.catch(() => undefined);
  }
}
