/**
 * Heap measurement for the soak: a full garbage collection first, so the figure is what is
 * really held. `--expose-gc` (npm run soak) gives global.gc; without it (npm test) V8 is asked
 * to expose it at run time.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

let gcFn: (() => void) | undefined;

function gc(): () => void {
  if (gcFn) return gcFn;
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return (gcFn = exposed);
  v8.setFlagsFromString('--expose-gc');
  gcFn = vm.runInNewContext('gc') as () => void;
  return gcFn;
}

/** heap used + external (Buffers), bytes; after a full gc unless `collect` is false */
export function heapBytes(collect = true): number {
  if (collect) {
    const run = gc();
    run();
    run();
  }
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}
