/**
 * Loaded with mocha's `--require`, keeps a large live heap and makes garbage, so that V8's
 * collections pause the event loop for tens of milliseconds as they do in the whole suite (about
 * 100 MB). The shortened fault soak alone runs with a small heap and never saw those pauses; with
 * this it found the stalled-process bugs of docs/RELIABILITY.md:
 *   npx mocha --require dist/test/soak/heapPressure.js dist/test/soak/faults.test.js
 */
const LIVE_OBJECTS = Number(process.env.HEAP_PRESSURE_OBJECTS ?? 1_500_000);

const live: { n: number; text: string; list: number[] }[] = [];
for (let i = 0; i < LIVE_OBJECTS; i++) live.push({ n: i, text: `x${i}`, list: [i] });
(globalThis as { heapPressure?: unknown }).heapPressure = live;

const churn = setInterval(() => {
  const garbage: { n: number; text: string }[] = [];
  for (let i = 0; i < 20_000; i++) garbage.push({ n: i, text: `y${i}` });
}, 5);
churn.unref();
