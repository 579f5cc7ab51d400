/**
 * The SMA poller's own logic on virtual time: cycles on the interval, asleep after silent cycles
 * (with the bus's real unit health deciding when a probe may go), a refused logon said as it is
 * and never retried within a cycle, a device answering with another serial refused, and nothing
 * left after stop. The sources are scripted: what each read does is the test's to say; the
 * sources themselves are tested against the simulators (bluetoothSource, speedwireSource,
 * data1Client, smaNodes).
 */
import assert from 'node:assert/strict';
import { TransportError } from '../../lib/bus/errors';
import { UnitHealth } from '../../lib/bus/unitHealth';
import { SmaPoller, type SmaCycleSummary, type SmaDeviceReading, type SmaDeviceResult, type SmaPollBus, type SmaTarget } from '../../lib/sma/smaPoller';
import { LogonError, type SmaReading, type SmaSource } from '../../lib/sma/smaSource';
import { VirtualScheduler } from '../../lib/time/virtualScheduler';

type Outcome = 'ok' | 'silent' | 'logon' | 'other-serial';

/** A bus as far as the poller sees it: the real UnitHealth on the test's virtual time. */
class HealthBus implements SmaPollBus {
  readonly health: UnitHealth;
  constructor(time: VirtualScheduler) {
    this.health = new UnitHealth(time);
  }
  isUnreachable(unit: string): boolean {
    return this.health.isUnreachable(unit);
  }
  setUnitPolicy(prefix: string, policy: Parameters<UnitHealth['setPolicy']>[1]): void {
    this.health.setPolicy(prefix, policy);
  }
}

/** A source whose reads do what `script` says; a silent read counts a miss as the bus would, and one held back by the bus never reaches the "wire". */
class ScriptedSource implements SmaSource {
  readonly transport = 'speedwire' as const;
  wire = 0;
  constructor(
    readonly unit: string,
    private readonly bus: HealthBus,
    private readonly time: VirtualScheduler,
    public script: () => Outcome,
    private readonly serial = 2100000001,
  ) {}
  async read(): Promise<SmaReading> {
    if (!this.bus.health.admit(this.unit)) throw new TransportError('unreachable', `${this.unit} unreachable, next probe later`, this.unit);
    this.wire += 1;
    await this.time.delay(200); // the exchange's time on the line
    const outcome = this.script();
    if (outcome === 'silent') {
      this.bus.health.missed(this.unit);
      throw new TransportError('timeout', `${this.unit}: no answer`, this.unit);
    }
    this.bus.health.answered(this.unit);
    if (outcome === 'logon') throw new LogonError('user', 'wrong password');
    return { serial: outcome === 'other-serial' ? 2100000999 : this.serial, type: 'SB 3000', fields: { p_ac: 1234 }, time: this.time.wallNow() };
  }
  async close(): Promise<void> {}
}

describe('SMA poller (virtual time, scripted sources)', () => {
  let time: VirtualScheduler;
  let readings: SmaDeviceReading[];
  let results: SmaDeviceResult[];
  let cycles: SmaCycleSummary[];

  beforeEach(() => {
    time = new VirtualScheduler({ wallMs: Date.UTC(2026, 5, 21, 12) });
    readings = [];
    results = [];
    cycles = [];
  });

  const poller = (targets: SmaTarget[], intervalMs = 0): SmaPoller =>
    new SmaPoller({ targets, intervalMs, scheduler: time, onReading: (r) => readings.push(r), onResult: (r) => results.push(r), onCycle: (c) => cycles.push(c) });

  it('silent cycles: error, then asleep after "asleep after"; asleep cycles cost the wire nothing until the probe, which wakes it', async () => {
    const bus = new HealthBus(time);
    let answering = false;
    const source = new ScriptedSource('sma:sw:a', bus, time, () => (answering ? 'ok' : 'silent'));
    const p = poller([{ id: 'a', name: 'garage', source, bus, sleep: { missesToAsleep: 2, probeEveryMs: 60000 } }]);
    for (let i = 0; i < 5; i++) await time.settle(p.trigger());
    assert.deepEqual(results.map((r) => r.status), ['error', 'asleep', 'asleep', 'asleep', 'asleep']);
    assert.match(results[1].errorMessage, /^garage asleep \(night or switched off\): no answer 2 times in a row, probed every 60 s$/);
    assert.equal(source.wire, 2, 'asleep: the cycles after the second miss never reached the wire');
    assert.ok(p.isAsleep('a'));
    await time.run(60000);
    answering = true;
    await time.settle(p.trigger());
    assert.equal(source.wire, 3, 'the probe went out');
    assert.deepEqual(results.map((r) => r.status).slice(-1), ['ok']);
    assert.equal(readings.length, 1);
    assert.equal(p.isAsleep('a'), false);
    await p.stop();
  });

  it('a refused logon: an error naming the group and cause, logonRefused set, one read per cycle', async () => {
    const bus = new HealthBus(time);
    const source = new ScriptedSource('sma:sw:a', bus, time, () => 'logon');
    const p = poller([{ id: 'a', name: 'garage', source, bus }]);
    await time.settle(p.trigger());
    await time.settle(p.trigger());
    assert.deepEqual(
      results.map((r) => [r.status, r.errorMessage, r.logonRefused]),
      [
        ['error', 'logon refused for user group user: wrong password', true],
        ['error', 'logon refused for user group user: wrong password', true],
      ],
    );
    assert.equal(source.wire, 2, 'the poller adds no retry: one read per cycle (the session holds further logons back)');
    await p.stop();
  });

  it('a device that answers with another serial than the configured one is an error, its values not sent', async () => {
    const bus = new HealthBus(time);
    const source = new ScriptedSource('sma:sw:a', bus, time, () => 'other-serial');
    const p = poller([{ id: 'a', name: 'garage', source, bus, serial: 2100000001 }]);
    await time.settle(p.trigger());
    assert.equal(readings.length, 0);
    assert.equal(results[0].status, 'error');
    assert.equal(results[0].errorMessage, 'garage: the device answering is serial 2100000999, not the configured 2100000001');
    await p.stop();
  });

  it('devices on one bus one after another, buses side by side; the serial and type once known tag the status too', async () => {
    const line = new HealthBus(time);
    const lan = new HealthBus(time);
    const targets = [
      { id: 'a', name: 'a', source: new ScriptedSource('sma:1', line, time, () => 'ok', 1), bus: line },
      { id: 'b', name: 'b', source: new ScriptedSource('sma:2', line, time, () => 'ok', 2), bus: line },
      { id: 'c', name: 'c', source: new ScriptedSource('sma:sw:c', lan, time, () => 'ok', 3), bus: lan },
    ];
    const p = poller(targets);
    const started = time.now();
    const summary = await time.settle(p.trigger());
    assert.equal(summary.durationMs, 400, 'two reads of 200 ms on the line; the LAN device beside them');
    assert.equal(time.now() - started, 400);
    assert.deepEqual(results.map((r) => [r.id, r.serial, r.type, r.at - time.wallNow()]).sort(), [['a', 1, 'SB 3000', -200], ['b', 2, 'SB 3000', 0], ['c', 3, 'SB 3000', -200]]);
    assert.deepEqual({ ok: summary.ok, error: summary.error, asleep: summary.asleep }, { ok: 3, error: 0, asleep: 0 });
    await p.stop();
  });

  it('runs on its interval, never two cycles at once; after stop no timer is left and no cycle ever comes', async () => {
    const bus = new HealthBus(time);
    const p = poller([{ id: 'a', name: 'a', source: new ScriptedSource('sma:1', bus, time, () => 'ok'), bus }], 5000);
    p.start();
    await time.runUntil(() => cycles.length >= 3, 60000, 'three cycles');
    assert.deepEqual(cycles.map((c) => c.startedAt - cycles[0].startedAt), [0, 5000, 10000]);
    await p.stop();
    assert.equal(time.pending, 0, 'no timer left');
    const seen = cycles.length;
    await time.run(3_600_000);
    assert.equal(cycles.length, seen, 'nothing after stop, over a virtual hour');
    await assert.rejects(p.trigger(), /the SMA reader was stopped/);
  });

  it('refuses what cannot work: no device, one device twice on a bus, an interval under 1 s', () => {
    const bus = new HealthBus(time);
    const s = new ScriptedSource('sma:1', bus, time, () => 'ok');
    assert.throws(() => poller([]), /no SMA devices to read/);
    assert.throws(() => poller([{ id: 'a', name: 'a', source: s, bus }, { id: 'b', name: 'b', source: s, bus }]), /SMA devices "a" and "b" are one device \(sma:1\) on one bus/);
    assert.throws(() => poller([{ id: 'a', name: 'a', source: s, bus }], 500), /at least 1000 ms/);
  });
});
