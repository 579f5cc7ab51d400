import { preciseDelay } from './preciseDelay';

declare const timerBrand: unique symbol;
/** What setTimeout returns, only good for clearTimeout on the same scheduler. */
export type TimerHandle = { readonly [timerBrand]: true };

/**
 * Time for all of lib/: now, timers and the precise wait, injected so that a test or a benchmark
 * can run the same code on virtual time (lib/time/virtualScheduler.ts) and "this does not happen"
 * is checked exactly, not after a sleep. Every part of lib/ that reads the time or waits takes one
 * (the bus and its queue, unit health and statistics, the link reopen, the pollers, the verified
 * writer, the cache and its forwarder, the watchdog); a bus passes its own to the protocol code
 * running on it (TransactionContext.scheduler).
 */
export interface Scheduler {
  /** monotonic ms: deadlines, timeouts, silences, backoff */
  now(): number;
  /** wall-clock ms (epoch): timestamps, "since" texts, retention */
  wallNow(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
  /** resolves `ms` from now (sub-millisecond on the system scheduler), or at once when `signal` aborts */
  delay(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The machine's clocks and timers: performance.now(), Date.now(), setTimeout, preciseDelay. */
export const systemScheduler: Scheduler = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms) as unknown as TimerHandle,
  clearTimeout: (handle) => clearTimeout(handle as unknown as NodeJS.Timeout | undefined),
  delay: (ms, signal) => preciseDelay(ms, signal),
};

/**
 * `delay` for a scheduler whose timers are its own (virtual or jumping time): resolves when its
 * timer fires, or at once when `signal` aborts (the timer is then cleared).
 */
export function timerDelay(scheduler: Pick<Scheduler, 'setTimeout' | 'clearTimeout'>, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = (): void => {
      scheduler.clearTimeout(handle);
      resolve();
    };
    const handle = scheduler.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
