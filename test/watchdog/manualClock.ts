import type { Scheduler } from '../../lib/time/scheduler';

/** A monotonic clock the test moves by hand. */
export class ManualClock implements Pick<Scheduler, 'now' | 'wallNow'> {
  constructor(private ms = 1000) {}
  now(): number {
    return this.ms;
  }
  /** wall-clock ms moving with it, from a fixed day */
  wallNow(): number {
    return Date.UTC(2026, 5, 21, 12) + this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}
