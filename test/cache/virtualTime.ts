import type { Clock } from '../../lib/bus/clock';
import type { Timers } from '../../lib/cache/forwarder';

/** A clock and timers that move only when the test advances them: "does not happen" is exact. */
export class VirtualTime implements Clock, Timers {
  private ms = 1000;
  private seq = 0;
  private readonly due = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.ms;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.due.set(id, { at: this.ms + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.due.delete(handle as number);
  }

  /** Moves time forward, running every timer that falls due, in order. */
  advance(ms: number): void {
    const end = this.ms + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.due) if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.due.delete(next[0]);
      this.ms = next[1].at;
      next[1].fn();
    }
    this.ms = end;
  }
}
