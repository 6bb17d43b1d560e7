// Fires when the next exception in force expires, so the tool it allowed is stopped at that moment rather than
// at some later poll. Re-armed after every policy change and every expiry.
const MAX_TIMER_MS = 2 ** 31 - 1; // setTimeout's limit (~24.8 days); longer waits are re-armed in steps
/** Fire a little after the instant, so that the matcher (which compares expires <= now) sees it expired. */
const AFTER_EXPIRY_MS = 5;

export class ExpirySchedule {
  private timer: NodeJS.Timeout | undefined;
  /** When the armed expiry is due (ms since the epoch), for status and tests. */
  dueAt: number | undefined;

  constructor(
    private readonly nextExpiry: () => number | undefined,
    private readonly onExpiry: () => void,
    private readonly now: () => number = Date.now,
  ) {}

  arm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.dueAt = this.nextExpiry();
    if (this.dueAt === undefined) return;
    const wait = Math.max(0, this.dueAt - this.now()) + AFTER_EXPIRY_MS;
    this.timer = setTimeout(
      () => {
        if (wait > MAX_TIMER_MS) return this.arm();
        this.onExpiry();
        this.arm();
      },
      Math.min(wait, MAX_TIMER_MS),
    );
    this.timer.unref();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
