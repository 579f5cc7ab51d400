import * as assert from 'node:assert/strict';
import type { Bus } from '../../lib/bus/bus';
import { ProtocolError, TransportError } from '../../lib/bus/errors';
import { KacoClient } from '../../lib/kaco/kacoClient';
import { KacoSim } from '../../lib/sim/kacoSim';
import { JumpScheduler } from '../support/jumpScheduler';
import { waitFor } from '../support/waitFor';
import { TRANSPORTS, openBus } from './simBus';

/** Short timings so the tests are quick; the defaults (2.5 s, 1 s, 60 s) are KACO's. */
const FAST = { timeoutMs: 800, pauseAfterMs: 30, probeEveryMs: 1500 };

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  assert.fail('expected a rejection');
}

for (const { name, endpoint } of TRANSPORTS) {
  describe(`kaco client over a bus (${name})`, function () {
    this.timeout(20000);
    let sim: KacoSim;
    let bus: Bus;
    let client: KacoClient;

    beforeEach(async () => {
      sim = await KacoSim.start({ endpoint, inverters: [{ address: 1 }, { address: 2, protocol: 'generic' }, { address: 3 }], latencyMs: [20, 60], timeOfDay: () => 11.5 });
      bus = await openBus(sim);
      client = new KacoClient(bus, { owner: 'test', ...FAST });
    });

    afterEach(async () => {
      await bus.close();
      await sim.close();
    });

    it('reads command 0, 3 and 9 with values equal to the simulator state', async () => {
      const m1 = await client.readMeasurements(1);
      assert.equal(m1.family, 'standard');
      assert.deepEqual(m1.fields, sim.snapshot(1).measurements);
      const m2 = await client.readMeasurements(2);
      assert.equal(m2.family, 'generic');
      assert.deepEqual(m2.fields, sim.snapshot(2).measurements);
      assert.deepEqual((await client.readYield(1)).fields, sim.snapshot(1).yield);
      assert.deepEqual((await client.readYield(2)).fields, sim.snapshot(2).yield);
      assert.equal(await client.readType(1), '5000xi');
      assert.equal(sim.overlaps, 0, 'never two requests on the line');
    });

    it('refuses bad input before anything is queued', async () => {
      assert.throws(() => client.request(0, '0'), /1–32/);
      assert.throws(() => client.request(33, '0'), /1–32/);
      assert.throws(() => client.request(1, 'x' as never), /unknown KACO command/);
      assert.equal(sim.requests.length, 0);
    });

    it('turns a bad checksum into TransportError crc, garbage into an error, and recovers', async () => {
      sim.injectFault('bad-checksum', { address: 1, count: 1 });
      const crc = await rejection(client.readMeasurements(1));
      assert.ok(crc instanceof TransportError && crc.kind === 'crc', String(crc));
      sim.injectFault('garbled', { address: 1, count: 1 });
      const garbled = await rejection(client.readMeasurements(1));
      assert.ok(garbled instanceof TransportError || garbled instanceof ProtocolError, String(garbled));
      assert.deepEqual((await client.readMeasurements(1)).fields, sim.snapshot(1).measurements);
    });

    it('refuses a garbled reply as soon as its bytes show it, and keeps the line quiet for the rest of the response time', async () => {
      // a response time far beyond this test's own timeout: only an early refusal lets the caller
      // hear in time; the bus runs on a clock the test jumps over the line guard that follows
      await bus.close();
      const jump = new JumpScheduler();
      bus = await openBus(sim, jump);
      const patient = new KacoClient(bus, { owner: 'patient', timeoutMs: 60000, pauseAfterMs: 30 });
      const cases = [[1, '0'], [2, '0'], [1, '3'], [2, '3']] as const;
      for (const [address, command] of cases) {
        sim.injectFault('garbled', { address, command, count: 1 });
        const started = jump.now();
        const err = await rejection(command === '0' ? patient.readMeasurements(address) : patient.readYield(address));
        assert.match(err.message, /garbled in transit/, `inverter ${address} command ${command}: ${err.message}`);
        assert.ok(jump.now() - started < 60000, 'refused before the response time ran out');
        // the next request waits for the end of the refused request's window: the frame's rest may still come
        const sentBefore = sim.requests.length;
        const next = patient.readType(address, { deadlineMs: 120000 });
        await waitFor(() => bus.phase === 'silence', 5000, 'the bus waiting out the line guard');
        assert.equal(sim.requests.length, sentBefore, 'nothing sent inside the refused request\'s window');
        while (bus.phase === 'silence') {
          assert.ok(jump.jumpToNext(), 'the guard is a timer on the bus clock');
          await new Promise((resolve) => setImmediate(resolve));
        }
        assert.ok(jump.now() - started >= 60000, `the next request went ${Math.round(jump.now() - started)} ms after the refused one, inside its 60 s window`);
        assert.equal(await next, sim.snapshot(address).type);
      }
      assert.deepEqual((await patient.readMeasurements(1)).fields, sim.snapshot(1).measurements);
    });

    it('tolerates glitch zeros and a long pause inside the frame', async () => {
      sim.injectFault('glitch-zeros', { address: 1, count: 1 });
      assert.equal((await client.readMeasurements(1)).fields.type, '5000xi');
      sim.injectFault('long-pause', { address: 1, count: 1 });
      const m = await client.readMeasurements(1);
      assert.equal(m.fields.type, '5000xi', 'waited for the type after the pause');
    });

    it('looks again after the process stalls across its timeout: a tail that reached the OS meanwhile is not cut off', async () => {
      const stalled = await KacoSim.start({ endpoint, inverters: [{ address: 1 }], latencyMs: 10, longPauseMs: 60, timeOfDay: () => 11.5 });
      const stalledBus = await openBus(stalled);
      try {
        const c = new KacoClient(stalledBus, { owner: 'stall', timeoutMs: 300, pauseAfterMs: 0 });
        stalled.injectFault('long-pause', { address: 1, count: 1 });
        const reading = c.readMeasurements(1);
        await waitFor(() => stalled.requests.some((r) => r.repliedAt !== null), 5000, 'the first part of the reply');
        // a long GC: the tail (due 60 ms later) and the response timeout (300 ms) both pass while
        // nothing runs; afterwards timers run before the I/O that holds the tail
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 350);
        const m = await reading;
        assert.equal(m.fields.type, '5000xi', 'the type text after the pause');
        assert.deepEqual(m.fields, stalled.snapshot(1).measurements);
      } finally {
        await stalledBus.close();
        await stalled.close();
      }
    });

    it('does not take a late frame of inverter 1 as the answer of inverter 3', async () => {
      // 'held': inverter 1's frame goes out the moment the request to 3 arrives, so it is inside
      // inverter 3's window however late the machine runs the timers
      const late = await KacoSim.start({ endpoint, inverters: [{ address: 1 }, { address: 3, ratedPowerW: 3000 }], latencyMs: 20, timeOfDay: () => 11.5 });
      const lateBus = await openBus(late);
      try {
        const c = new KacoClient(lateBus, { owner: 'late', ...FAST });
        late.injectFault('held', { address: 1, count: 1 });
        const miss = await rejection(c.readMeasurements(1));
        assert.ok(miss instanceof TransportError && miss.kind === 'timeout');
        const m3 = await c.readMeasurements(3);
        assert.equal(m3.address, 3);
        assert.deepEqual(m3.fields, late.snapshot(3).measurements);
        assert.notDeepEqual(m3.fields, late.snapshot(1).measurements);
        const r1 = late.requests.find((r) => r.address === 1);
        const r3 = late.requests.find((r) => r.address === 3);
        assert.ok(r1 && r3, 'both requests were sent');
        assert.ok(r1.repliedAt !== null && r1.repliedAt >= r3.arrivedAt, `late frame at ${r1.repliedAt}, request to 3 at ${r3.arrivedAt}`);
      } finally {
        await lateBus.close();
        await late.close();
      }
    });

    it('marks an inverter asleep after 3 misses: no wire time until the next probe, wakes on the first answer', async () => {
      sim.injectFault('no-answer', { address: 3 });
      for (let k = 0; k < 3; k++) {
        const err = await rejection(client.readMeasurements(3));
        assert.ok(err instanceof TransportError && err.kind === 'timeout');
      }
      assert.equal(client.isAsleep(3), true);
      const before = sim.requests.filter((r) => r.address === 3).length;
      const fast = await rejection(client.readMeasurements(3));
      assert.ok(fast instanceof TransportError && fast.kind === 'unreachable', String(fast));
      assert.equal(sim.requests.filter((r) => r.address === 3).length, before, 'no request on the wire while asleep');
      // the others are not held up
      assert.deepEqual((await client.readMeasurements(1)).fields, sim.snapshot(1).measurements);
      sim.clearFaults(3);
      await new Promise((r) => setTimeout(r, FAST.probeEveryMs + 50));
      assert.deepEqual((await client.readMeasurements(3)).fields, sim.snapshot(3).measurements, 'the probe got through and woke it');
      assert.equal(client.isAsleep(3), false);
    });
  });
}
