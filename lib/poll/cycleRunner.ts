import { TransportError } from '../bus/errors';
import type { Scheduler, TimerHandle } from '../time/scheduler';

export interface CycleRunnerOptions<R, S> {
  /** ms from one cycle start to the next; 0: only when triggered */
  intervalMs: number;
  /** no cycle starts sooner than this after the last one started */
  minGapMs: number;
  scheduler: Scheduler;
  /** what a cycle of the interval reads (everything) */
  everything: R;
  /** two requests for the waiting cycle become one */
  merge(a: R, b: R): R;
  /** one cycle; `cycle` counts from 1 */
  run(request: R, cycle: number): Promise<S>;
  /** names the reader in the "stopped" error */
  what: string;
}

interface WaitingCycle<R, S> {
  request: R;
  promise: Promise<S>;
}

/**
 * When a poller's cycles run — the same for every device family: one every interval (the first at
 * once) or on trigger, at most one waiting (later triggers join it), never two at once and never
 * sooner than `minGapMs` after the last one started. stop() ends the wait and the timer.
 */
export class CycleRunner<R, S> {
  private count = 0;
  private running: Promise<S> | undefined;
  private waiting: WaitingCycle<R, S> | undefined;
  private timer: TimerHandle | undefined;
  private lastStart = -Infinity;
  private stoppedFlag = false;
  private wakeSleeper: (() => void) | undefined;

  constructor(private readonly options: CycleRunnerOptions<R, S>) {}

  get stopped(): boolean {
    return this.stoppedFlag;
  }

  /** Starts the interval (the first cycle at once). No-op with interval 0. */
  start(): void {
    if (this.options.intervalMs > 0 && !this.stoppedFlag) void this.trigger(this.options.everything).catch(() => undefined);
  }

  /** A cycle now, or right after the running one; at most one waits, later triggers share it. */
  trigger(request: R): Promise<S> {
    if (this.stoppedFlag) return Promise.reject(this.stoppedError());
    if (this.waiting) {
      this.waiting.request = this.options.merge(this.waiting.request, request);
      return this.waiting.promise;
    }
    const entry: WaitingCycle<R, S> = { request, promise: undefined as unknown as Promise<S> };
    this.waiting = entry; // before the cycle starts: a trigger meanwhile must join this one
    entry.promise = this.startWhenFree(entry);
    return entry.promise;
  }

  /** No new cycle starts; resolves when the running one (if any) has ended. */
  async stop(): Promise<void> {
    this.stoppedFlag = true;
    this.options.scheduler.clearTimeout(this.timer);
    this.timer = undefined;
    this.wakeSleeper?.();
    await this.running?.catch(() => undefined);
  }

  private stoppedError(): Error {
    return new TransportError('cancelled', `the ${this.options.what} was stopped`);
  }

  private async startWhenFree(entry: WaitingCycle<R, S>): Promise<S> {
    if (this.running) await this.running.catch(() => undefined);
    const gap = this.lastStart + this.options.minGapMs - this.options.scheduler.now();
    if (gap > 0) await this.sleep(gap);
    if (this.waiting === entry) this.waiting = undefined;
    if (this.stoppedFlag) throw this.stoppedError();
    const start = this.options.scheduler.now();
    this.lastStart = start;
    this.count += 1;
    const cycle = this.options.run(entry.request, this.count);
    this.running = cycle;
    try {
      return await cycle;
    } finally {
      if (this.running === cycle) this.running = undefined;
      this.scheduleNext(start);
    }
  }

  private scheduleNext(lastStart: number): void {
    const interval = this.options.intervalMs;
    if (interval <= 0 || this.stoppedFlag) return;
    const scheduler = this.options.scheduler;
    scheduler.clearTimeout(this.timer);
    const wait = Math.max(0, lastStart + interval - scheduler.now());
    this.timer = scheduler.setTimeout(() => {
      this.timer = undefined;
      void this.trigger(this.options.everything).catch(() => undefined);
    }, wait);
  }

  /** The wait that keeps cycles apart; stop() ends it early. */
  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const handle = this.options.scheduler.setTimeout(() => {
        this.wakeSleeper = undefined;
        resolve();
      }, ms);
      this.wakeSleeper = () => {
        this.options.scheduler.clearTimeout(handle);
        this.wakeSleeper = undefined;
        resolve();
      };
    });
  }
}
