/**
 * Waits `ms` with sub-millisecond accuracy. setTimeout alone fires 1–2 ms late, which is a
 * whole t3.5 at 19200 baud and would dominate the arbiter's overhead; so sleep on a timer
 * until shortly before the target and finish on setImmediate turns.
 */
const SPIN_MARGIN_MS = 2;

export function preciseDelay(ms: number, signal?: AbortSignal): Promise<void> {
  const target = performance.now() + ms;
  return new Promise<void>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    let immediate: NodeJS.Immediate | undefined;
    const finish = (): void => {
      if (timer) clearTimeout(timer);
      if (immediate) clearImmediate(immediate);
      signal?.removeEventListener('abort', finish);
      resolve();
    };
    const spin = (): void => {
      if (performance.now() >= target) finish();
      else immediate = setImmediate(spin);
    };
    if (signal?.aborted) return finish();
    signal?.addEventListener('abort', finish, { once: true });
    if (ms > SPIN_MARGIN_MS) timer = setTimeout(spin, ms - SPIN_MARGIN_MS);
    else spin();
  });
}
