/** One result of a check, stamped on the watchdog's monotonic clock. */
export interface CheckResult {
  ok: boolean;
  /** monotonic ms */
  at: number;
  /** why it failed (or what it saw), for the status and the reboot reason */
  detail: string;
}

/**
 * The newest `size` results of a check and the failures in a row. The old logger kept the
 * oldest N, so after N updates it never saw a new result; here the oldest result is dropped.
 */
export class CheckHistory {
  private readonly results: CheckResult[] = [];
  private failsInRowValue = 0;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`history size must be a positive integer, got ${size}`);
  }

  add(result: CheckResult): void {
    this.results.push(result);
    if (this.results.length > this.size) this.results.shift();
    this.failsInRowValue = result.ok ? 0 : this.failsInRowValue + 1;
  }

  /** failures since the last success (not capped by the history size) */
  get failsInRow(): number {
    return this.failsInRowValue;
  }

  /** After the watchdog acted: the rule has to be broken again from zero. */
  resetFailsInRow(): void {
    this.failsInRowValue = 0;
  }

  /** oldest first, at most `size` */
  list(): readonly CheckResult[] {
    return [...this.results];
  }

  latest(): CheckResult | undefined {
    return this.results[this.results.length - 1];
  }

  failures(): number {
    return this.results.filter((r) => !r.ok).length;
  }
}
