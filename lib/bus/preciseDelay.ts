/**
 * Waits `ms` with sub-millisecond accuracy. setTimeout alone fires up to 1–2 ms off (its clock is
 * the event loop's cached millisecond time), which is a whole t3.5 at 19200 baud and would
 * dominate the arbiter's overhead. So: sleep on a timer until shortly before the target, then
 * block the thread on Atomics.wait for the rest (at most MARGIN_MS).
 *
 * The final stretch used to spin on setImmediate turns: as precise, but it burnt the CPU for the
 * whole stretch — about 1.4 ms of CPU per bus transaction, more than all the rest of the client
 * path (bench/busProfile.ts). Atomics.wait sleeps in the kernel instead (a futex with a timeout,
 * ~0.1 ms late at worst). The cost is that nothing else runs on this thread for that stretch;
 * waits due in turn still come out in order, each blocking only until its own target.
 */
const MARGIN_MS = 1.5;
const cell = new Int32Array(new SharedArrayBuffer(4));

export function preciseDelay(ms: number, signal?: AbortSignal): Promise<void> {
  const target = performance.now() + ms;
  return new Promise<void>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const finish = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', finish);
      resolve();
    };
    const last = (): void => {
      if (signal?.aborted) return finish();
      const left = target - performance.now();
      // the timer can fire early (the loop's clock is stale) or late: re-arm while far off
      if (left > MARGIN_MS) {
        timer = setTimeout(last, left - MARGIN_MS);
        return;
      }
      if (left > 0) Atomics.wait(cell, 0, 0, left);
      finish();
    };
    if (signal?.aborted) return finish();
    signal?.addEventListener('abort', finish, { once: true });
    if (ms > MARGIN_MS) timer = setTimeout(last, ms - MARGIN_MS);
    else last();
  });
}
