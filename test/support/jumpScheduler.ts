import { timerDelay, type Scheduler, type TimerHandle } from '../../lib/time/scheduler';

interface Timer {
  at: number;
  fn: () => void;
  real: NodeJS.Timeout;
}

/**
 * Real time that the test can jump forward: the bus talks to a real simulator in real time, and
 * between cycles the test jumps over the idle hours (a night of probes in seconds). Timers fire
 * when real time reaches them or when a jump passes them, never twice. For the whole stack on one
 * scheduler where the wire itself is real; lib/time/virtualScheduler.ts is for when nothing is.
 */
export class JumpScheduler implements Scheduler {
  private jumped = 0;
  private seq = 0;
  private readonly timers = new Map<number, Timer>();

  constructor(private readonly wallStart = Date.UTC(2026, 5, 21)) {}

  private readonly realStart = performance.now();

  now(): number {
    return performance.now() - this.realStart + this.jumped;
  }

  wallNow(): number {
    return this.wallStart + this.now();
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = ++this.seq;
    const wait = Math.max(0, ms);
    const real = setTimeout(() => this.fire(id), wait);
    this.timers.set(id, { at: this.now() + wait, fn, real });
    return id as unknown as TimerHandle;
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    const timer = this.timers.get(handle as unknown as number);
    if (!timer) return;
    clearTimeout(timer.real);
    this.timers.delete(handle as unknown as number);
  }

  delay(ms: number, signal?: AbortSignal): Promise<void> {
    return timerDelay(this, ms, signal);
  }

  /** Jumps to the earliest timer and fires it; false when none is set. */
  jumpToNext(): boolean {
    let next: [number, Timer] | undefined;
    for (const e of this.timers) if (!next || e[1].at < next[1].at) next = e;
    if (!next) return false;
    this.jumped += Math.max(0, next[1].at - this.now());
    this.fire(next[0]);
    return true;
  }

  private fire(id: number): void {
    const timer = this.timers.get(id);
    if (!timer) return;
    clearTimeout(timer.real);
    this.timers.delete(id);
    timer.fn();
  }
}
