import type { Scheduler } from '../../lib/time/scheduler';

/** A monotonic clock the test moves by hand. */
export class ManualClock implements Pick<Scheduler, 'now'> {
  constructor(private ms = 1000) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}
