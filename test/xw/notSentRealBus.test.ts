/**
 * "written" only when the write went out on the wire, through the real arbiter (serialport on a
 * socat pty, the Modbus client) against the XW simulator: the errors come from the bus itself, and
 * the simulator's request log says whether anything of the write reached the line.
 */
import assert from 'node:assert/strict';
import type { Bus } from '../../lib/bus/bus';
import { acquireBus, releaseBus } from '../../lib/bus/busRegistry';
import { Priority } from '../../lib/bus/priority';
import { FORMAT_8N1 } from '../../lib/bus/wireTiming';
import { modbusClientFor } from '../../lib/modbus/modbusClient';
import { startModbusSlave, type ModbusSlaveSim } from '../../lib/sim/modbusSlave';
import { XwDevice } from '../../lib/sim/xwDevice';
import type { ModbusCallOptions, RegisterClient } from '../../lib/xw/registerClient';
import { SplitMemory } from '../../lib/xw/unitSplits';
import { UnitLocks } from '../../lib/xw/unitLocks';
import { VerifiedWriter } from '../../lib/xw/verifiedWriter';
import { waitFor } from '../support/waitFor';

/** The real client, with a hook run just before a write is handed to the bus. */
class HookedClient implements RegisterClient {
  beforeWrite: (opts: ModbusCallOptions) => Promise<ModbusCallOptions> = async (o) => o;
  constructor(private readonly real: RegisterClient) {}
  readHoldingRegisters(unit: number, address: number, count: number, opts: ModbusCallOptions): Promise<number[]> {
    return this.real.readHoldingRegisters(unit, address, count, opts);
  }
  async writeRegister(unit: number, address: number, value: number, opts: ModbusCallOptions): Promise<void> {
    return this.real.writeRegister(unit, address, value, await this.beforeWrite(opts));
  }
  async writeRegisters(unit: number, address: number, values: number[], opts: ModbusCallOptions): Promise<void> {
    return this.real.writeRegisters(unit, address, values, await this.beforeWrite(opts));
  }
}

describe('xw/verifiedWriter on the real bus: a write never sent is not reported written', function () {
  this.timeout(20000);
  let sim: ModbusSlaveSim;
  let bus: Bus;
  let released = false;

  beforeEach(async () => {
    sim = await startModbusSlave(new XwDevice({ 10: {} }, { switchDelayMs: 50, live: false }), { transport: 'pty' }, { baudRate: 19200, turnaroundMs: 3 });
    bus = acquireBus({ link: { kind: 'serial', path: sim.clientPath as string, baudRate: 19200, format: FORMAT_8N1 }, framing: 'rtu', timeoutMs: 300, pauseMs: 0, deadlineMs: 10000, trace: false }, 'test');
    released = false;
    await waitFor(() => bus.state === 'open');
  });
  afterEach(async () => {
    if (!released) await releaseBus(bus, 'test');
    await sim.close();
  });

  const writesOnTheWire = (): number => sim.requests.filter((r) => r.functionCode === 6 || r.functionCode === 16).length;

  it('deadline: the write waits behind a transaction on the wire and passes its queue deadline', async () => {
    const client = new HookedClient(modbusClientFor(bus));
    client.beforeWrite = async (o) => {
      // a read of an absent unit holds the wire for its 300 ms timeout; the write may wait 20 ms
      void modbusClientFor(bus).readHoldingRegisters(13, 0x40, 1, { owner: 'other', priority: Priority.Critical }).catch(() => undefined);
      await waitFor(() => sim.requests.some((r) => r.unit === 13));
      return { ...o, deadlineMs: 20 };
    };
    const writer = new VerifiedWriter({ client, splits: new SplitMemory(), locks: new UnitLocks() });
    const report = await writer.run('start-sell', [{ unit: 10, name: 'XW A' }], { owner: 'cmd', deadlineMs: 2000 });
    const u = report.units[0];
    assert.equal(u.action, 'not-sent', u.reason);
    assert.equal(u.cause, 'deadline');
    assert.match(u.reason, /^not sent \(deadline\): request for modbus:10 passed its queue deadline and was not sent/);
    assert.deepEqual(u.registers.notSent, ['sell_enable_setting']);
    assert.equal(report.counts.notSent, 1);
    assert.equal(writesOnTheWire(), 0);
  });

  it('closed: the bus closes between the state read and the write', async () => {
    const client = new HookedClient(modbusClientFor(bus));
    client.beforeWrite = async (o) => {
      released = true;
      await releaseBus(bus, 'test');
      return o;
    };
    const writer = new VerifiedWriter({ client, splits: new SplitMemory(), locks: new UnitLocks() });
    const report = await writer.run('start-sell', [{ unit: 10, name: 'XW A' }], { owner: 'cmd', deadlineMs: 2000 });
    const u = report.units[0];
    assert.equal(u.action, 'not-sent', u.reason);
    assert.equal(u.cause, 'closed');
    assert.match(u.reason, /^not sent \(closed\): bus .* is closed/);
    assert.equal(writesOnTheWire(), 0);
  });

  it('sent and unanswered (the unit stops answering after its state read): written, not verified', async () => {
    const device = new XwDevice({ 10: {} }, { switchDelayMs: 50, live: false });
    await sim.close();
    await releaseBus(bus, 'test');
    sim = await startModbusSlave(
      { hasUnit: (u) => u === 10 && !silent, readHolding: (u, a, c) => device.readHolding(u, a, c), write: (u, a, v) => device.write(u, a, v) },
      { transport: 'pty' },
      { baudRate: 19200, turnaroundMs: 3 },
    );
    bus = acquireBus({ link: { kind: 'serial', path: sim.clientPath as string, baudRate: 19200, format: FORMAT_8N1 }, framing: 'rtu', timeoutMs: 300, pauseMs: 0, deadlineMs: 10000, trace: false }, 'test');
    await waitFor(() => bus.state === 'open');
    let silent = false;
    const client = new HookedClient(modbusClientFor(bus));
    client.beforeWrite = async (o) => {
      silent = true;
      return o;
    };
    const writer = new VerifiedWriter({ client, splits: new SplitMemory(), locks: new UnitLocks() });
    const report = await writer.run('start-sell', [{ unit: 10, name: 'XW A' }], { owner: 'cmd', deadlineMs: 1500, writeRetries: 0 });
    const u = report.units[0];
    assert.equal(u.action, 'written', u.reason);
    assert.equal(u.ok, false);
    assert.deepEqual(u.registers.written, ['sell_enable_setting']);
    assert.ok(writesOnTheWire() >= 1, 'the write reached the line');
  });
});
