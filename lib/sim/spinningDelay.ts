/**
 * For a simulator's own process only (lib/sim/slaveProcess.ts): its reply timing should be as
 * exact as the machine allows, whatever that costs in CPU (it is not the code being measured). So
 * lib/bus's preciseDelay, which sleeps its last 1.5 ms on Atomics.wait (~0.1–0.3 ms late), is
 * replaced in that process by a busy wait on setImmediate turns for that stretch. Imported before
 * the simulator modules.
 */
import * as precise from '../time/preciseDelay';

const SPIN_MS = 2;

function spinningDelay(ms: number, signal?: AbortSignal): Promise<void> {
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
    const spin = (): void => {
      if (signal?.aborted || performance.now() >= target) finish();
      else immediate = setImmediate(spin);
    };
    if (signal?.aborted) return finish();
    signal?.addEventListener('abort', finish, { once: true });
    if (ms > SPIN_MS) timer = setTimeout(spin, ms - SPIN_MS);
    else spin();
  });
}

// CommonJS exports are plain properties: the simulators call precise.preciseDelay at run time.
(precise as { preciseDelay: typeof spinningDelay }).preciseDelay = spinningDelay;
