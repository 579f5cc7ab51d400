/**
 * Waits `ms` with sub-millisecond accuracy, without holding the event loop for whole milliseconds.
 * setTimeout alone fires up to 1–2 ms off (its clock is the event loop's cached millisecond
 * time), which is a whole t3.5 at 19200 baud and would dominate the arbiter's overhead. So: sleep
 * on a timer until shortly before the target (MARGIN_MS), then cover the rest in slices of at
 * most SLICE_MS, each an Atomics.wait (a futex with a timeout: the thread sleeps in the kernel,
 * no CPU burnt), with a turn of the event loop between slices so I/O and other callbacks run.
 *
 * History: the final stretch first spun on setImmediate turns (as precise, but ~1.4 ms of CPU per
 * bus transaction, bench/busProfile.ts), then blocked on one Atomics.wait of up to 1.5 ms (cheap,
 * but nothing else ran on the thread for that long — a serial read, the cache's fsync callback,
 * another bus's reply). The slices keep the second's CPU and give the loop back every SLICE_MS.
 */
const MARGIN_MS = 1.5;
/** longest the thread is blocked at once */
export const SLICE_MS = 0.25;
const cell = new Int32Array(new SharedArrayBuffer(4));

export function preciseDelay(ms: number, signal?: AbortSignal): Promise<void> {
  const target = performance.now() + ms;
  return new Promise<void>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    let immediate: NodeJS.Immediate | undefined;
    const finish = (): void => {
      clearTimeout(timer);
      if (immediate) clearImmediate(immediate);
      signal?.removeEventListener('abort', finish);
      resolve();
    };
    const step = (): void => {
      immediate = undefined;
      if (signal?.aborted) return finish();
      const left = target - performance.now();
      // the timer can fire early (the loop's clock is stale) or late: re-arm while far off
      if (left > MARGIN_MS) {
        timer = setTimeout(step, left - MARGIN_MS);
        return;
      }
      if (left <= 0) return finish();
      Atomics.wait(cell, 0, 0, Math.min(left, SLICE_MS));
      if (target - performance.now() <= 0) return finish();
      immediate = setImmediate(step);
    };
    if (signal?.aborted) return finish();
    signal?.addEventListener('abort', finish, { once: true });
    if (ms > MARGIN_MS) timer = setTimeout(step, ms - MARGIN_MS);
    else step();
  });
}
