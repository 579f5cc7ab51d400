import { timerDelay, type Scheduler, type TimerHandle } from './scheduler';

interface Due {
  at: number;
  seq: number;
  fn: () => void;
}

/** Default start: a monotonic 1 s, and a wall clock at noon UTC on a fixed day, so texts are stable. */
const START_MONOTONIC_MS = 1000;
const START_WALL_MS = Date.UTC(2026, 5, 21, 12, 0, 0);

/** One turn of the real event loop: promise continuations and callbacks already due run first. */
const loopTurn = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Time that moves only when the test (or a benchmark) moves it. Timers fire in time order, ties in
 * the order they were set; `advance` runs them synchronously, `run` lets the code they wake (promise
 * chains, a memory link's writes) go on between timers, firing the next only once that code has
 * gone quiet. What has not fired by the end of the span
 * has not happened, exactly.
 */
export class VirtualScheduler implements Scheduler {
  private ms: number;
  private readonly wallOffset: number;
  private seq = 0;
  private readonly due = new Map<number, Due>();
  /** moves whenever a timer is set, cleared or fired: a driver fires only after the code has gone quiet */
  private activity = 0;

  constructor(start: { monotonicMs?: number; wallMs?: number } = {}) {
    this.ms = start.monotonicMs ?? START_MONOTONIC_MS;
    this.wallOffset = (start.wallMs ?? START_WALL_MS) - this.ms;
  }

  now(): number {
    return this.ms;
  }

  wallNow(): number {
    return this.ms + this.wallOffset;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const seq = ++this.seq;
    this.activity++;
    this.due.set(seq, { at: this.ms + Math.max(0, Number.isFinite(ms) ? ms : 0), seq, fn });
    return seq as unknown as TimerHandle;
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (handle !== undefined && this.due.delete(handle as unknown as number)) this.activity++;
  }

  delay(ms: number, signal?: AbortSignal): Promise<void> {
    return timerDelay(this, ms, signal);
  }

  /** timers still to fire */
  get pending(): number {
    return this.due.size;
  }

  /** virtual ms until the next timer, or undefined when none is set */
  nextIn(): number | undefined {
    const next = this.earliest(Infinity);
    return next ? next.at - this.ms : undefined;
  }

  /** Moves time forward by `ms`, running every timer that falls due, in order, synchronously. */
  advance(ms: number): void {
    const end = this.ms + ms;
    for (let next = this.earliest(end); next; next = this.earliest(end)) this.fire(next);
    this.ms = end;
  }

  /**
   * Moves time forward by `ms` for code that awaits: before each timer and at the end, the real
   * event loop turns `turns` times, so promise chains and setImmediate callbacks settle at the
   * virtual instant they belong to.
   */
  async run(ms: number, turns = 3): Promise<void> {
    const end = this.ms + ms;
    for (;;) {
      await this.quiet(turns);
      const next = this.earliest(end);
      if (!next) break;
      this.fire(next);
    }
    this.ms = end;
  }

  /** Runs (as `run`) until `done()` holds, or fails after `maxMs` of virtual time. */
  async runUntil(done: () => boolean, maxMs: number, what = 'the condition'): Promise<void> {
    const end = this.ms + maxMs;
    for (;;) {
      await this.quiet(3);
      if (done()) return;
      const next = this.earliest(end);
      if (!next) break;
      this.fire(next);
    }
    this.ms = end;
    if (!done()) throw new Error(`${what} did not happen within ${maxMs} ms of virtual time`);
  }

  /** Runs (as `run`) until `promise` settles and gives its outcome; fails after `maxMs` of virtual time. */
  async settle<T>(promise: Promise<T>, maxMs = 3_600_000): Promise<T> {
    let settled = false;
    const watched = promise.finally(() => {
      settled = true;
    });
    watched.catch(() => undefined);
    await this.runUntil(() => settled, maxMs, 'the promise settling');
    return watched;
  }

  /**
   * Waits until `turns` turns of the event loop pass in which no timer was set, cleared or fired:
   * the work the last timer started has settled (several drivers at once — two awaited requests —
   * then never fire a timer while another's work is still under way).
   */
  private async quiet(turns: number): Promise<void> {
    let seen = this.activity;
    for (let calm = 0; calm < turns; ) {
      await loopTurn();
      if (this.activity === seen) calm++;
      else {
        seen = this.activity;
        calm = 0;
      }
    }
  }

  private earliest(end: number): Due | undefined {
    let best: Due | undefined;
    for (const d of this.due.values()) if (d.at <= end && (!best || d.at < best.at || (d.at === best.at && d.seq < best.seq))) best = d;
    return best;
  }

  private fire(d: Due): void {
    this.due.delete(d.seq);
    this.activity++;
    this.ms = Math.max(this.ms, d.at);
    d.fn();
  }
}
