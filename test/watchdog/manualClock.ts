import type { Clock } from '../../lib/bus/clock';

/** A monotonic clock the test moves by hand. */
export class ManualClock implements Clock {
  constructor(private ms = 1000) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}
