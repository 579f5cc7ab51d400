import * as assert from 'node:assert/strict';
import type { Bus } from '../../lib/bus/bus';
import { ConfigError } from '../../lib/bus/errors';
import { KacoClient } from '../../lib/kaco/kacoClient';
import { KacoPoller, type CycleSummary, type InverterReading, type InverterResult } from '../../lib/kaco/kacoPoller';
import { KacoSim } from '../../lib/sim/kacoSim';
import { openBus, waitFor } from './simBus';
import type { Scheduler } from '../../lib/time/scheduler';
import { VirtualScheduler } from '../../lib/time/virtualScheduler';

describe('kaco poller against the simulator (TCP)', function () {
  this.timeout(30000);
  let sim: KacoSim;
  let bus: Bus;
  let client: KacoClient;
  let poller: KacoPoller | undefined;
  const results: InverterResult[] = [];
  const readings: InverterReading[] = [];
  const cycles: CycleSummary[] = [];

  beforeEach(async () => {
    results.length = 0;
    readings.length = 0;
    cycles.length = 0;
    sim = await KacoSim.start({ endpoint: { transport: 'tcp' }, inverters: [{ address: 1 }, { address: 2, protocol: 'generic' }, { address: 3 }], latencyMs: 20, timeOfDay: () => 14 });
    bus = await openBus(sim);
    client = new KacoClient(bus, { owner: 'poller-test', timeoutMs: 300, pauseAfterMs: 20, probeEveryMs: 60000 });
  });

  afterEach(async () => {
    await poller?.stop();
    poller = undefined;
    await bus.close();
    await sim.close();
  });

  const make = (intervalMs: number, yieldEvery: number, scheduler?: Scheduler): KacoPoller =>
    new KacoPoller({
      scheduler,
      targets: [1, 2, 3].map((address) => ({ id: `inv${address}`, address, name: `roof ${address}`, client })),
      intervalMs,
      yieldEvery,
      onReading: (r) => readings.push(r),
      onResult: (r) => results.push(r),
      onCycle: (c) => cycles.push(c),
    });

  it('reads every inverter once per cycle, values equal to the simulator, command 3 on its cadence', async () => {
    poller = make(0, 2);
    const first = await poller.trigger();
    assert.deepEqual([first.ok, first.error, first.asleep, first.withYield], [3, 0, 0, true]);
    assert.deepEqual(readings.map((r) => `${r.address} ${r.part}`), ['1 measurements', '1 yield', '2 measurements', '2 yield', '3 measurements', '3 yield']);
    for (const r of readings) {
      const { e_day: _today, ...yieldFields } = sim.snapshot(r.address).yield;
      assert.deepEqual(r.fields, r.part === 'yield' ? yieldFields : sim.snapshot(r.address).measurements, `${r.address} ${r.part}`);
    }
    readings.length = 0;
    results.length = 0;
    const second = await poller.trigger();
    assert.equal(second.withYield, false);
    assert.equal(results.length, 3);
    assert.deepEqual(readings.map((r) => r.part), ['measurements', 'measurements', 'measurements']);
    for (const r of readings) assert.deepEqual(r.fields, sim.snapshot(r.address).measurements);
    assert.ok(second.startedAt - first.startedAt >= 995, 'cycles at least 1 s apart');
  });

  it('keeps reading the others while one inverter is silent, then reports it asleep without wire time', async () => {
    sim.injectFault('no-answer', { address: 2 });
    poller = make(0, 0);
    for (let k = 0; k < 5; k++) await poller.trigger();
    const of = (a: number): string[] => results.filter((r) => r.address === a).map((r) => r.status);
    assert.deepEqual(of(1), ['ok', 'ok', 'ok', 'ok', 'ok']);
    assert.deepEqual(of(3), ['ok', 'ok', 'ok', 'ok', 'ok']);
    assert.deepEqual(of(2), ['error', 'error', 'asleep', 'asleep', 'asleep']);
    assert.equal(sim.requests.filter((r) => r.address === 2).length, 3, 'no request to the asleep inverter before its probe is due');
    const asleep = results.filter((r) => r.address === 2 && r.status === 'asleep').pop();
    assert.match(asleep?.errorMessage ?? '', /asleep.*next probe in \d+ s/);
    assert.deepEqual(cycles.map((c) => c.asleep), [0, 0, 1, 1, 1]);
  });

  it('runs on its interval and stops cleanly: after stop no timer of its is left and no cycle ever comes (virtual time)', async () => {
    // the poller's own time is virtual (the bus and the simulator run in real time): its interval
    // passes when the test says, and "nothing after stop" is checked over a virtual hour
    const time = new VirtualScheduler();
    poller = make(1000, 0, time);
    poller.start();
    await waitFor(() => cycles.length >= 1, 5000);
    assert.equal(time.pending, 1, 'the next cycle is armed');
    assert.equal(time.nextIn(), 1000, 'an interval after the first cycle started');
    time.advance(999);
    assert.equal(cycles.length, 1, 'not before the interval');
    time.advance(1);
    await waitFor(() => cycles.length >= 2, 5000);
    assert.equal(cycles[1].startedAt - cycles[0].startedAt, 1000, 'cycles an interval apart');
    await poller.stop();
    assert.equal(time.pending, 0, 'no timer of the poller left after stop');
    const seen = results.length;
    await time.run(3_600_000);
    assert.equal(results.length, seen, 'nothing after stop');
  });

  it('reports a lost link for every inverter at once, and reads again once it is back', async () => {
    poller = make(0, 0);
    assert.equal((await poller.trigger()).ok, 3);
    await sim.device?.unplug();
    await waitFor(() => bus.state !== 'open', 5000);
    results.length = 0;
    const down = await poller.trigger();
    assert.deepEqual([down.ok, down.error], [0, 3]);
    const messages = results.map((r) => r.errorMessage);
    assert.match(messages[0], /deadline|closed|link/);
    assert.deepEqual(messages.slice(1), [messages[0], messages[0]], 'the rest fail at once with the same reason');
    await sim.device?.replug();
    await waitFor(() => bus.state === 'open', 10000);
    assert.equal((await poller.trigger()).ok, 3);
  });

  it('refuses bad settings and unknown addresses', () => {
    const target = { id: 'a', address: 1, name: 'a', client };
    const base = { onResult: () => undefined, onCycle: () => undefined, yieldEvery: 0 };
    assert.throws(() => new KacoPoller({ ...base, targets: [], intervalMs: 0 }), ConfigError);
    assert.throws(() => new KacoPoller({ ...base, targets: [target], intervalMs: 500 }), /at least 1000 ms/);
    assert.throws(() => new KacoPoller({ ...base, targets: [target, { ...target, id: 'b' }], intervalMs: 0 }), /both have address 1/);
    assert.throws(() => new KacoPoller({ ...base, targets: [{ ...target, address: 40 }], intervalMs: 0 }), /1–32/);
    poller = make(0, 0);
    assert.throws(() => poller?.trigger({ addresses: [9] }), /not among/);
  });
});
