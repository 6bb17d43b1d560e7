// The inventory as the agent runs it: crash recovery of the quarantine store once at start, a first pass, then
// one pass per policy interval (default hourly) and on demand; passes never overlap. The latest result feeds the
// status API (`installed`) and heartbeats; every event goes to `record`. A plain timer, not a cron library: the
// interval is all there is to schedule, and the agent stays lighter without one.
import type { Matcher } from '../../policy/index.ts';
import { QuarantineStore } from '../quarantine/quarantine-store.ts';
import type { AgentEvent, InstalledTool } from '../status-types.ts';
import { runInventoryPass, type InventoryItem, type InventoryResult } from './inventory-pass.ts';
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
  /** Every pass's findings, once it ends (the exec guard protects the entry files of banned ones). */
  onPass?: (items: readonly InventoryItem[]) => void;
}

export class InventoryJob {
  private timer: NodeJS.Timeout | undefined;
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

  /** Call when the policy's inventoryIntervalSeconds changes (300 s to 7 days: within one timer's range). */
  reschedule(intervalSeconds: number): void {
    clearInterval(this.timer);
    // A pass still running when the next is due is joined, not doubled (runNow).
    this.timer = setInterval(() => void this.runNow().catch((err: unknown) => this.o.onError?.(err)), intervalSeconds * 1000);
  }

  /** Runs a pass now, or joins the one already running. */
  runNow(): Promise<InventoryResult> {
    this.running ??= runInventoryPass({ stateDir: this.o.stateDir, matcher: this.o.matcher(), homes: this.o.homes, quarantine: this.o.quarantine === false ? undefined : this.store })
      .then((r) => {
        this.last = r;
        for (const e of r.events) this.o.record(e);
        this.o.onPass?.(r.items);
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
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }
}
