/**
 * preciseDelay (the arbiter's silence wait) never blocks the thread for whole milliseconds: its
 * last stretch is slices of at most SLICE_MS, with the event loop running between them. Checked by
 * recording every Atomics.wait it makes and by callbacks that must run during the wait.
 */
import assert from 'node:assert/strict';
import { preciseDelay, SLICE_MS } from '../../lib/time/preciseDelay';

describe('preciseDelay', () => {
  const realWait = Atomics.wait;
  let blocks: number[] = [];

  beforeEach(() => {
    blocks = [];
    Atomics.wait = ((...args: Parameters<typeof Atomics.wait>) => {
      blocks.push(args[3] ?? Infinity);
      return realWait(...args);
    }) as typeof Atomics.wait;
  });

  afterEach(() => {
    Atomics.wait = realWait;
  });

  for (const ms of [0.3, 1.2, 1.5, 4, 12]) {
    it(`waits ${ms} ms, never early, blocking at most ${SLICE_MS} ms at a time`, async () => {
      const start = performance.now();
      await preciseDelay(ms);
      const took = performance.now() - start;
      assert.ok(took >= ms, `resolved after ${took.toFixed(3)} ms`);
      // (a timer that fires late under load leaves no last stretch: then nothing blocked at all)
      assert.ok(Math.max(0, ...blocks) <= SLICE_MS, `blocked for ${Math.max(0, ...blocks).toFixed(3)} ms at once`);
    });
  }

  it('lets other callbacks run between any two of its blocking slices', async () => {
    // A callback that re-queues itself marks each turn of the loop; every block after the first
    // must come after at least one turn. (A process descheduled past the whole wait makes one
    // slice only: then there is nothing in between to check, and that is still right.)
    let turns = 0;
    let running = true;
    const turn = (): void => {
      turns++;
      if (running) setImmediate(turn);
    };
    setImmediate(turn);
    const turnsAtBlock: number[] = [];
    const recording = Atomics.wait;
    Atomics.wait = ((...args: Parameters<typeof Atomics.wait>) => {
      turnsAtBlock.push(turns);
      return recording(...args);
    }) as typeof Atomics.wait;
    await preciseDelay(1.2); // all of it within the last stretch
    running = false;
    for (let i = 1; i < turnsAtBlock.length; i++) assert.ok(turnsAtBlock[i] > turnsAtBlock[i - 1], `no loop turn between slices ${i} and ${i + 1}: ${turnsAtBlock.join(', ')}`);
  });

  it('ends at once when aborted', async () => {
    const abort = new AbortController();
    const start = performance.now();
    const wait = preciseDelay(10000, abort.signal);
    setTimeout(() => abort.abort(), 5);
    await wait;
    assert.ok(performance.now() - start < 5000);
  });
});
