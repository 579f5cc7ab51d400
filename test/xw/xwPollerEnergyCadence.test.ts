/**
 * The XW poller reads the energy counters at their own cadence, in the background class: on the
 * first cycle, then only once `energyIntervalMs` has passed (on the injected clock), never with
 * an interval of 0, and again at the next cycle when a read of them failed.
 */
import { systemScheduler } from '../../lib/time/scheduler';
import assert from 'node:assert/strict';
import { TransportError } from '../../lib/bus/errors';
import { Priority } from '../../lib/bus/priority';
import { XwPoller } from '../../lib/xw/xwPoller';
import { XW_ENERGY_FIELDS, XW_TABLE } from '../../lib/xw/registerTable';
import type { ModbusCallOptions, RegisterClient } from '../../lib/xw/registerClient';
import { SplitMemory } from '../../lib/xw/unitSplits';

const energyAddresses = new Set(XW_TABLE.fields.filter((f) => XW_ENERGY_FIELDS.includes(f.name)).map((f) => f.address));

/** Answers every read with zeros and records which reads touched the energy block, in which class. */
class RecordingClient implements RegisterClient {
  readonly reads: { address: number; count: number; priority: Priority }[] = [];
  failEnergy = false;

  async readHoldingRegisters(unit: number, address: number, count: number, opts: ModbusCallOptions): Promise<number[]> {
    this.reads.push({ address, count, priority: opts.priority });
    if (this.failEnergy && this.touchesEnergy(address, count)) throw new TransportError('timeout', `unit ${unit} did not answer`);
    return new Array<number>(count).fill(0);
  }

  async writeRegister(): Promise<void> {
    throw new Error('the poller never writes');
  }

  async writeRegisters(): Promise<void> {
    throw new Error('the poller never writes');
  }

  touchesEnergy(address: number, count: number): boolean {
    for (let a = address; a < address + count; a++) if (energyAddresses.has(a)) return true;
    return false;
  }

  /** energy reads since the last call, and their classes */
  takeEnergyReads(): Priority[] {
    const found = this.reads.filter((r) => this.touchesEnergy(r.address, r.count)).map((r) => r.priority);
    this.reads.length = 0;
    return found;
  }
}

describe('XW poller: energy counter cadence', () => {
  it('reads the energy counters on the first cycle, then once per interval on the clock, in the background class', async () => {
    let now = 0;
    const client = new RecordingClient();
    const poller = new XwPoller(client, { owner: 't', units: [{ unit: 10, name: 'a' }], energyIntervalMs: 60000, splits: new SplitMemory(), scheduler: { ...systemScheduler, now: () => now } });
    const [first] = await poller.cycle();
    assert.ok(first.ok, String(first.error));
    const firstEnergy = client.takeEnergyReads();
    assert.ok(firstEnergy.length > 0, 'energy read on the first cycle');
    assert.ok(firstEnergy.every((p) => p === Priority.Background), 'energy reads in the background class');
    assert.ok(XW_ENERGY_FIELDS.every((f) => f in (first.readings ?? {})), 'energy fields in the readings');

    now = 59999;
    const [early] = await poller.cycle();
    assert.deepEqual(client.takeEnergyReads(), [], 'not again before the interval');
    assert.ok(!XW_ENERGY_FIELDS.some((f) => f in (early.readings ?? {})), 'no energy fields when they were not read');

    now = 60000;
    await poller.cycle();
    assert.ok(client.takeEnergyReads().length > 0, 'again once the interval has passed');
    now = 90000;
    await poller.cycle();
    assert.deepEqual(client.takeEnergyReads(), [], 'the interval runs from the last read, not from the first');
  });

  it('never reads them with an interval of 0', async () => {
    let now = 0;
    const client = new RecordingClient();
    const poller = new XwPoller(client, { owner: 't', units: [{ unit: 10, name: 'a' }], energyIntervalMs: 0, splits: new SplitMemory(), scheduler: { ...systemScheduler, now: () => now } });
    for (let i = 0; i < 3; i++, now += 1e6) await poller.cycle();
    assert.ok(client.reads.length >= 3, 'the status was read every cycle');
    assert.deepEqual(client.takeEnergyReads(), []);
  });

  it('reads them again at the next cycle when they failed, and reports that failure on an answered unit', async () => {
    let now = 0;
    const client = new RecordingClient();
    const poller = new XwPoller(client, { owner: 't', units: [{ unit: 10, name: 'a' }], energyIntervalMs: 60000, splits: new SplitMemory(), scheduler: { ...systemScheduler, now: () => now } });
    client.failEnergy = true;
    const [failed] = await poller.cycle();
    assert.ok(failed.ok, 'the status was read');
    assert.match(String(failed.error), /^energy counters: /);
    client.takeEnergyReads();
    client.failEnergy = false;
    now = 1000;
    const [next] = await poller.cycle();
    assert.ok(client.takeEnergyReads().length > 0, 'retried at the next cycle, not a whole interval later');
    assert.equal(next.error, null);
  });
});
