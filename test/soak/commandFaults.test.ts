/**
 * Commands under faults (issue 7): verified XW commands through the real bus (serialport on a
 * socat pty, the Modbus client, the arbiter) against the XW simulator. A unit that does not answer
 * its write is written again within the command's deadline and reported; nothing of a command
 * reaches the wire after its deadline — neither a retry nor a request that waited in the queue.
 */
import assert from 'node:assert/strict';
import type { Bus } from '../../lib/bus/bus';
import { acquireBus, releaseBus } from '../../lib/bus/busRegistry';
import { Priority } from '../../lib/bus/priority';
import { FORMAT_8N1 } from '../../lib/bus/wireTiming';
import { modbusClientFor } from '../../lib/modbus/modbusClient';
import { startModbusSlave, type ModbusDeviceModel, type ModbusSlaveSim } from '../../lib/sim/modbusSlave';
import { XwDevice } from '../../lib/sim/xwDevice';
import { SplitMemory } from '../../lib/xw/unitSplits';
import { UnitLocks } from '../../lib/xw/unitLocks';
import { VerifiedWriter, type CommandReport } from '../../lib/xw/verifiedWriter';

const UNITS = [10, 11, 12];
const TIMEOUT_MS = 200;
/** how much later than its send the simulator may see a write: the pty relay on a busy machine */
const RELAY_SLACK_MS = 50;
const targets = UNITS.map((unit) => ({ unit, name: `XW ${unit}` }));

/**
 * The XW device, able to miss chosen writes: the simulator records a request before it asks the
 * model whether the unit is on the line, so `hasUnit` can see the request's function and stay
 * silent — the unit never heard that write, and nothing was written.
 */
class DeafDevice implements ModbusDeviceModel {
  /** writes (fn 6 / 16) to this unit go unheard while `deafWrites` > 0 */
  deafUnit = 0;
  deafWrites = 0;
  readonly missed: number[] = [];
  sim: ModbusSlaveSim | undefined;
  constructor(readonly device: XwDevice) {}
  hasUnit(unit: number): boolean {
    const request = this.sim?.requests[this.sim.requests.length - 1];
    const write = request?.functionCode === 6 || request?.functionCode === 16;
    if (write && unit === this.deafUnit && this.deafWrites > 0) {
      this.deafWrites--;
      this.missed.push(request.arrivedAt);
      return false;
    }
    return this.device.hasUnit(unit);
  }
  readHolding(unit: number, address: number, count: number): number[] | { exception: number } {
    return this.device.readHolding(unit, address, count);
  }
  write(unit: number, address: number, values: number[]): { exception: number } | void {
    return this.device.write(unit, address, values);
  }
}

describe('soak: XW commands under faults', function () {
  this.timeout(30000);
  let sim: ModbusSlaveSim;
  let model: DeafDevice;
  let bus: Bus;
  let writer: VerifiedWriter;

  beforeEach(async () => {
    // units 10 and 11 charging, 12 idle: stop-charge writes to 10 and 11
    model = new DeafDevice(new XwDevice({ 10: { charger: 1 }, 11: { charger: 1 }, 12: {} }, { switchDelayMs: 50, live: false }));
    sim = await startModbusSlave(model, { transport: 'pty' }, { baudRate: 19200, turnaroundMs: 3, slowMs: 1500 });
    model.sim = sim;
    bus = acquireBus({ link: { kind: 'serial', path: sim.clientPath as string, baudRate: 19200, format: FORMAT_8N1 }, framing: 'rtu', timeoutMs: TIMEOUT_MS, pauseMs: 0, deadlineMs: 10000, trace: false }, 'test');
    const until = Date.now() + 5000;
    while (bus.state !== 'open' && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    writer = new VerifiedWriter({ client: modbusClientFor(bus), splits: new SplitMemory(), locks: new UnitLocks() });
  });

  afterEach(async () => {
    await releaseBus(bus, 'test');
    await sim.close();
  });

  const failWritesOf = (unit: number, count = Infinity): void => {
    model.deafUnit = unit;
    model.deafWrites = count;
  };

  const writesTo = (unit: number): { at: number; heard: boolean }[] =>
    sim.requests.filter((r) => r.unit === unit && (r.functionCode === 6 || r.functionCode === 16)).map((r) => ({ at: r.arrivedAt, heard: !model.missed.includes(r.arrivedAt) }));

  it('writes again, within the deadline, to a unit that did not answer its write, and reports it verified', async () => {
    failWritesOf(10, 1);
    const start = performance.now();
    const report: CommandReport = await writer.run('stop-charge', targets, { owner: 'cmd', deadlineMs: 5000 });
    const unit10 = report.units.find((u) => u.unit === 10);
    assert.equal(unit10?.ok, true, unit10?.reason);
    assert.equal(unit10?.action, 'written');
    const writes = writesTo(10);
    assert.equal(writes.length, 2, 'the unanswered write and its retry');
    assert.deepEqual(writes.map((w) => w.heard), [false, true]);
    assert.ok(writes[1].at - start < 5000, 'retried within the deadline');
    assert.ok(bus.counters().retries >= 1, 'the bus counts the retry');
    assert.equal(report.units.find((u) => u.unit === 11)?.ok, true, 'the other unit was not held up');
    assert.equal(report.units.find((u) => u.unit === 12)?.action, 'skipped');
  });

  it('never sends a retry after the deadline; the unit is reported failed with the reason', async () => {
    failWritesOf(10); // unit 10 hears none of its writes
    const deadlineMs = 1000;
    const start = performance.now();
    const report = await writer.run('stop-charge', targets, { owner: 'cmd', deadlineMs, writeRetries: 10 });
    const unit10 = report.units.find((u) => u.unit === 10);
    assert.equal(unit10?.ok, false);
    assert.match(unit10?.reason ?? '', /write failed|not verified/);
    await new Promise((r) => setTimeout(r, 1500));
    const writes = writesTo(10);
    assert.ok(writes.length >= 2, `retried while time was left (${writes.length} writes)`);
    // a write may leave right up to the deadline; the pty relay may take a little longer to deliver it
    for (const w of writes) assert.ok(w.at - start <= deadlineMs + RELAY_SLACK_MS, `a write reached the unit ${(w.at - start).toFixed(0)} ms after the command started (deadline ${deadlineMs} ms)`);
    // a writer that ignored the deadline would go on for its 10 retries (seconds)
    assert.ok(report.ms <= deadlineMs + 5 * TIMEOUT_MS, `reported ${report.ms} ms after the start`);
    // the retries of unit 10 do not hold up unit 11's write (its verification, in lib/xw, waits for all writes)
    assert.equal(sim.writeCount(11), 1, 'the other unit was written all the same');
  });

  it('never sends a command that waited in the queue past its deadline', async () => {
    // the wire is held by a slow answer of unit 12 (1.5 s) when the command arrives with a 300 ms deadline
    sim.injectFault('slow', { unit: 12, count: 1 });
    const slow = modbusClientFor(bus).readHoldingRegisters(12, 64, 2, { owner: 'poll', priority: Priority.Poll, timeoutMs: 2000 }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 50));
    const start = performance.now();
    const report = await writer.run('stop-charge', targets, { owner: 'cmd', deadlineMs: 300 });
    await slow;
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(report.ok, false);
    for (const u of report.units) assert.match(u.reason, /deadline|not sent/, `unit ${u.unit}: ${u.reason}`);
    const late = sim.requests.filter((r) => r.unit !== 12 && r.arrivedAt - start > 300);
    assert.deepEqual(late.map((r) => `unit ${r.unit} fn ${r.functionCode} at +${(r.arrivedAt - start).toFixed(0)} ms`), [], 'nothing of the command after its deadline');
    for (const u of UNITS) assert.equal(sim.writeCount(u), 0, `unit ${u} written`);
  });
});
