import type { Scheduler } from '../time/scheduler';
import { errorKind } from './errors';

const UTILISATION_WINDOW_MS = 60000;

/** Counters of one bus: transactions, errors by kind, retries, utilisation, last success per unit. */
export class BusStatistics {
  transactions = 0;
  errors = 0;
  retries = 0;
  coalesced = 0;
  readonly errorsByKind: Record<string, number> = {};
  readonly lastSuccess: Record<string, number> = {};
  lastSuccessAny: number | null = null;
  /** monotonic time of the last success, for health checks that must not trust wall time */
  lastSuccessMonotonic: number | null = null;
  private readonly busy: [number, number][] = [];
  private readonly startedAt: number;

  constructor(private readonly clock: Scheduler) {
    this.startedAt = clock.now();
  }

  success(unit: string | undefined, start: number, end: number): void {
    this.transactions += 1;
    this.addBusy(start, end);
    const wall = this.clock.wallNow();
    this.lastSuccessAny = wall;
    this.lastSuccessMonotonic = end;
    if (unit !== undefined) this.lastSuccess[unit] = wall;
  }

  failure(err: unknown, start?: number, end?: number): void {
    this.errors += 1;
    const kind = errorKind(err);
    this.errorsByKind[kind] = (this.errorsByKind[kind] ?? 0) + 1;
    if (start !== undefined && end !== undefined) {
      this.transactions += 1;
      this.addBusy(start, end);
    }
  }

  utilisation(): number {
    const now = this.clock.now();
    const from = Math.max(this.startedAt, now - UTILISATION_WINDOW_MS);
    this.prune(from);
    const span = now - from;
    if (span <= 0) return 0;
    let busy = 0;
    for (const [s, e] of this.busy) busy += Math.max(0, e - Math.max(s, from));
    return Math.min(1, busy / span);
  }

  private addBusy(start: number, end: number): void {
    this.busy.push([start, end]);
    this.prune(end - UTILISATION_WINDOW_MS);
  }

  private prune(from: number): void {
    while (this.busy.length > 0 && this.busy[0][1] < from) this.busy.shift();
  }
}
