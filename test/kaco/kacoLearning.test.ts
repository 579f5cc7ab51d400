/**
 * The poller against the simulator: command 3 learned as unsupported per inverter (on a virtual
 * clock for the hourly re-try), readings handed on before anything else is asked, and each
 * inverter's own asleep policy whichever reader set it up.
 */
import * as assert from 'node:assert/strict';
import type { Bus } from '../../lib/bus/bus';
import { KacoClient } from '../../lib/kaco/kacoClient';
import { KacoPoller, type InverterReading, type InverterResult } from '../../lib/kaco/kacoPoller';
import type { Scheduler, TimerHandle } from '../../lib/time/scheduler';
import { KacoSim, type SimInverterSpec } from '../../lib/sim/kacoSim';
import { openBus } from './simBus';

/**
 * The poller's clock, moved only by the test and by the poller's own waits (the 1 s between
 * cycles passes at once): an hour passes in one call, and "not asked" is counted, not waited for.
 */
class JumpingTime implements Scheduler {
  private t = 0;
  now(): number {
    return this.t;
  }
  wallNow(): number {
    return Date.UTC(2026, 5, 21, 12) + this.t;
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const at = this.t + Math.max(0, ms);
    return setImmediate(() => {
      this.t = Math.max(this.t, at);
      fn();
    }) as unknown as TimerHandle;
  }
  clearTimeout(handle: TimerHandle | undefined): void {
    clearImmediate(handle as unknown as NodeJS.Immediate | undefined);
  }
  delay(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, ms));
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

const HOUR = 3_600_000;

describe('kaco poller: what each inverter answers, and when its values leave', function () {
  this.timeout(60000);
  let sim: KacoSim;
  let bus: Bus;
  let pollers: KacoPoller[] = [];

  async function start(inverters: SimInverterSpec[]): Promise<void> {
    sim = await KacoSim.start({ endpoint: { transport: 'tcp' }, inverters, latencyMs: 10, timeOfDay: () => 12 });
    bus = await openBus(sim);
  }

  afterEach(async () => {
    for (const p of pollers) await p.stop();
    pollers = [];
    await bus?.close();
    await sim?.close();
  });

  it('learns after 3 silent misses that an inverter has no command 3: says so once, asks hourly, reads it again from its first answer', async () => {
    await start([{ address: 1 }, { address: 2, silentCommands: ['3'] }, { address: 3, protocol: 'generic' }]);
    const time = new JumpingTime();
    const client = new KacoClient(bus, { owner: 'learn', timeoutMs: 200, pauseAfterMs: 5 });
    const results: InverterResult[] = [];
    const readings: InverterReading[] = [];
    const poller = new KacoPoller({
      targets: [1, 2, 3].map((address) => ({ id: `inv${address}`, address, name: `roof ${address}`, client })),
      intervalMs: 0,
      yieldEvery: 1,
      onReading: (r) => readings.push(r),
      onResult: (r) => results.push(r),
      onCycle: () => undefined,
      scheduler: time,
    });
    pollers.push(poller);
    const asked = (address: number, command: string): number => sim.requests.filter((r) => r.address === address && r.command === command).length;
    const messagesOf2 = (): string[] => results.filter((r) => r.address === 2).map((r) => r.errorMessage);
    const cycle = async (): Promise<void> => {
      const s = await poller.trigger();
      assert.equal(s.ok, 3, 'every inverter answered command 0');
    };

    for (let k = 0; k < 3; k++) await cycle();
    const learning = messagesOf2();
    assert.match(learning[0], /^command 3: .*no answer within 200 ms/);
    assert.match(learning[1], /^command 3: .*no answer within 200 ms/);
    assert.match(learning[2], /^inverter 2 does not answer command 3: yield not available/);
    assert.match(learning[2], /asked again every 60 min/);
    assert.equal(asked(2, '3'), 3);

    for (let k = 0; k < 5; k++) await cycle();
    assert.equal(asked(2, '3'), 3, 'not asked again within the hour');
    assert.deepEqual(messagesOf2().slice(3), ['', '', '', '', ''], 'reported once, not an error every cycle');
    assert.equal(asked(1, '3'), 8, 'the others keep their command 3 every cycle');
    assert.equal(asked(3, '3'), 8);
    assert.equal(readings.filter((r) => r.address === 2 && r.part === 'measurements').length, 8, 'its command 0 every cycle');

    time.advance(HOUR);
    await cycle();
    await cycle();
    assert.equal(asked(2, '3'), 4, 'asked once after the hour, then not again');
    assert.deepEqual(messagesOf2().slice(8), ['', ''], 'a failed re-try says nothing new');

    sim.inverter(2).silentCommands.delete('3');
    time.advance(HOUR);
    await cycle();
    assert.match(messagesOf2()[10], /^inverter 2 answers command 3 again/);
    await cycle();
    assert.equal(asked(2, '3'), 6, 'asked every cycle again');
    assert.equal(readings.filter((r) => r.address === 2 && r.part === 'yield').length, 2);
    assert.equal(sim.overlaps, 0);
  });

  it('hands on command 0 values before asking anything else: before its own command 3, before the next inverter, before that one times out', async () => {
    await start([{ address: 1, silentCommands: ['3'] }, { address: 2 }, { address: 3 }]);
    sim.injectFault('no-answer', { address: 2 });
    const client = new KacoClient(bus, { owner: 'order', timeoutMs: 300, pauseAfterMs: 5, missesToAsleep: 10 });
    const seen: { what: string; requestsSoFar: number; at: number; emittedAt: number }[] = [];
    const poller = new KacoPoller({
      targets: [1, 2, 3].map((address) => ({ id: `inv${address}`, address, name: `${address}`, client })),
      intervalMs: 0,
      yieldEvery: 1,
      onReading: (r) => seen.push({ what: `${r.address} ${r.part}`, requestsSoFar: sim.requests.length, at: r.at, emittedAt: Date.now() }),
      onResult: (r) => seen.push({ what: `${r.address} ${r.status}`, requestsSoFar: sim.requests.length, at: r.at, emittedAt: Date.now() }),
      onCycle: () => undefined,
    });
    pollers.push(poller);
    await poller.trigger();
    assert.deepEqual(
      seen.map((s) => s.what),
      ['1 measurements', '1 ok', '2 error', '3 measurements', '3 yield', '3 ok'],
    );
    // requests the simulator had seen when each left: #010 only, then #013 too (timed out) …
    assert.deepEqual(
      seen.map((s) => s.requestsSoFar),
      [1, 2, 3, 4, 5, 5],
      'inverter 1\'s values left before its command 3 was sent, and before inverter 2 was asked or timed out',
    );
    assert.ok(seen[0].at <= seen[0].emittedAt, 'stamped when decoded, handed on then');
  });

  it('keeps each inverter\'s own asleep policy, whichever reader was set up last on the bus', async () => {
    await start([{ address: 3 }, { address: 30 }]);
    sim.injectFault('no-answer', { address: 3 });
    sim.injectFault('no-answer', { address: 30 });
    const results: InverterResult[] = [];
    const reader = (owner: string, address: number, missesToAsleep: number, readerMisses: number): KacoPoller => {
      // each reader has its own client (as each kaco-read node does), with its own idea of the default
      const client = new KacoClient(bus, { owner, timeoutMs: 100, pauseAfterMs: 5, missesToAsleep: readerMisses, probeEveryMs: 600000 });
      const p = new KacoPoller({ targets: [{ id: `inv${address}`, address, name: `${address}`, client, sleep: { missesToAsleep, probeEveryMs: 600000 } }], intervalMs: 0, yieldEvery: 0, onResult: (r) => results.push(r), onCycle: () => undefined });
      pollers.push(p);
      return p;
    };
    // inverter 3 falls asleep after 2 misses, inverter 30 (whose unit name begins like 3's) after 4;
    // the second reader, set up last, would have made it 7 for the whole bus
    const first = reader('reader-1', 3, 2, 3);
    const second = reader('reader-2', 30, 4, 7);
    for (let k = 0; k < 6; k++) {
      await first.trigger();
      await second.trigger();
    }
    const of = (address: number): string[] => results.filter((r) => r.address === address).map((r) => r.status);
    // the miss that reaches the count is reported as asleep already
    assert.deepEqual(of(3), ['error', 'asleep', 'asleep', 'asleep', 'asleep', 'asleep']);
    assert.deepEqual(of(30), ['error', 'error', 'error', 'asleep', 'asleep', 'asleep']);
    assert.equal(sim.requests.filter((r) => r.address === 3).length, 2);
    assert.equal(sim.requests.filter((r) => r.address === 30).length, 4);
    assert.match(results.find((r) => r.address === 30 && r.status === 'asleep')?.errorMessage ?? '', /asleep/);
  });
});
