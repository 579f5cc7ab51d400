/**
 * BluetoothSource through a real Bus on a socat pty pair, against the simulated Sunny Mini
 * Central standing in for /dev/rfcomm0: handshake, logon, the spot queries, and the failures
 * a user meets (wrong password, garbled and truncated frames, late replies, night, link drop).
 */
import assert from 'node:assert/strict';
import type { Bus } from '../../lib/bus/bus';
import { TransportError } from '../../lib/bus/errors';
import { DATA2_QUERIES } from '../../lib/sma/lriTable';
import { CMD_LOGON } from '../../lib/sma/logon';
import { BluetoothSource, type BluetoothSourceOptions } from '../../lib/sma/bluetoothSource';
import { DATA2_SESSION_TIMING } from '../../lib/sma/data2Timing';
import { LogonError } from '../../lib/sma/smaSource';
import { SmaBluetoothSim, type SmaBluetoothSimOptions } from '../../lib/sim/smaBluetoothSim';
import { ManualClock } from '../watchdog/manualClock';
import { NIGHT, NOON, SMC, openBus, rejection, rfcommLink, waitFor } from './smaSimBus';

describe('BluetoothSource on a real Bus over a pty (simulated SMC)', function () {
  this.timeout(15000);
  let sim: SmaBluetoothSim | undefined;
  let bus: Bus | undefined;
  let source: BluetoothSource | undefined;

  async function start(simOptions: Partial<SmaBluetoothSimOptions> = {}, sourceOptions: Partial<BluetoothSourceOptions> = {}): Promise<{ sim: SmaBluetoothSim; source: BluetoothSource; bus: Bus }> {
    sim = await SmaBluetoothSim.start({ device: SMC, timeOfDay: NOON, helloIntervalMs: 100, latencyMs: 5, ...simOptions });
    bus = await openBus(rfcommLink(sim.clientPath));
    source = new BluetoothSource(bus, { owner: 'test', password: '0000', timeoutMs: 600, sessionSerial: 912345678, ...sourceOptions });
    return { sim, source, bus };
  }

  afterEach(async () => {
    await source?.close();
    await bus?.close();
    await sim?.close();
    source = bus = sim = undefined;
  });

  it('hands over the values of the simulator: serial, type and every field, phases 2 and 3 (NaN) left out', async () => {
    const { sim, source } = await start();
    const reading = await source.read();
    const snap = sim.snapshot();
    assert.equal(reading.serial, SMC.serial);
    assert.equal(reading.type, 'SMC 6000A');
    assert.deepEqual(reading.fields, snap.fields);
    // spot checks against the curve at noon: full rated power on phase 1 only, two strings
    assert.equal(reading.fields.p_ac, 6000);
    assert.equal(reading.fields.p_ac_l1, 6000);
    assert.equal(reading.fields.status, 'Ok');
    assert.equal(reading.fields.grid_relay, 'Closed');
    assert.ok('u_dc_2' in reading.fields && 'i_dc_1' in reading.fields);
    for (const absent of ['p_ac_l2', 'p_ac_l3', 'u_ac_l2', 'i_ac_l3']) assert.ok(!(absent in reading.fields), `${absent} is NaN on the device and must be absent`);
    assert.deepEqual(source.connection, { inverter: sim.address, local: sim.clientAddress, netId: 1 });
    assert.equal(sim.device.logonRequests, 1);
    // a second read reuses the connection and the logon
    await source.read();
    assert.equal(sim.connects, 1);
    assert.equal(sim.device.logonRequests, 1);
  });

  it('replies in several L2 frames, each in several L1 packets, are read whole', async () => {
    const { sim, source } = await start({ device: { ...SMC, recordsPerFrame: 3 } });
    const reading = await source.read();
    assert.deepEqual(reading.fields, sim.snapshot().fields);
  });

  it('a wrong password: LogonError with SMA\'s reason, and no second logon until the back-off has passed (virtual time)', async () => {
    const clock = new ManualClock();
    const { sim, source } = await start({}, { password: '1234', scheduler: clock });
    let onWire = 0;
    for (let i = 0; i < 3; i++) {
      const err = await rejection(source.read());
      assert.ok(err instanceof LogonError, String(err));
      assert.equal(err.message, 'logon refused for user group user: wrong password');
      if (i === 0) onWire = sim.device.requests.length;
      clock.advance(60000);
    }
    assert.equal(sim.device.logonRequests, 1, 'one logon on the wire for three reads');
    assert.equal(sim.device.requests.length, onWire, 'the reads within the back-off send nothing at all');
    clock.advance(DATA2_SESSION_TIMING.logonBackoffMs - 3 * 60000 - 1);
    await rejection(source.read());
    assert.equal(sim.device.logonRequests, 1, 'still within the back-off by 1 ms');
    clock.advance(1);
    await rejection(source.read());
    assert.equal(sim.device.logonRequests, 2, 'one new attempt once the back-off is over');
  });

  it('a reply with a bad FCS never yields a value: TransportError crc; the next read is whole', async () => {
    const { sim, source } = await start();
    sim.injectFault('bad-fcs', DATA2_QUERIES.acPowerTotal);
    const err = await rejection(source.read());
    assert.ok(err instanceof TransportError && err.kind === 'crc', String(err));
    assert.match(err.message, /FCS/);
    assert.ok(sim.device.requests.some((r) => r.fault === 'bad-fcs' && r.answered), 'the garbled reply went out');
    const reading = await source.read();
    assert.deepEqual(reading.fields, sim.snapshot().fields);
  });

  it('a truncated reply ends as TransportError truncated', async () => {
    const { sim, source } = await start();
    sim.injectFault('truncated', DATA2_QUERIES.energy);
    const err = await rejection(source.read());
    assert.ok(err instanceof TransportError && err.kind === 'truncated', String(err));
  });

  it('a reply with another packet id is not taken as the answer', async () => {
    const { sim, source } = await start();
    sim.injectFault('wrong-packet-id', DATA2_QUERIES.gridFrequency);
    const err = await rejection(source.read());
    assert.ok(err instanceof TransportError && err.kind === 'timeout', String(err));
    assert.match(err.message, /query gridFrequency: no answer within 600 ms \(dropped: a packet with id \d+/);
    assert.ok(sim.device.requests.some((r) => r.fault === 'wrong-packet-id' && r.answered));
    // one silent exchange keeps the connection: the next read logs on again on it
    const reading = await source.read();
    assert.deepEqual(reading.fields, sim.snapshot().fields);
    assert.equal(sim.connects, 1);
  });

  it('at night: no hello, TransportError timeout, nothing else on the wire', async () => {
    const { sim, source } = await start({ timeOfDay: NIGHT });
    const err = await rejection(source.read());
    assert.ok(err instanceof TransportError && err.kind === 'timeout', String(err));
    assert.match(err.message, /no hello from the inverter within 600 ms/);
    assert.equal(sim.device.requests.length, 0);
  });

  it('an inverter that falls asleep and wakes is handshaken again once it sends its hellos', async () => {
    let hours = 12;
    const { sim, source } = await start({ timeOfDay: () => hours });
    await source.read();
    hours = 2;
    const err = await rejection(source.read());
    assert.ok(err instanceof TransportError && err.kind === 'timeout', String(err));
    hours = 12;
    let reading;
    for (let attempt = 0; attempt < 2 && !reading; attempt++) reading = await source.read().catch(() => undefined);
    assert.ok(reading, 'read within two attempts after dawn');
    assert.deepEqual(reading.fields, sim.snapshot().fields);
    assert.equal(sim.connects, 2);
  });

  it('a link that drops is reopened by the bus and the source handshakes and logs on again', async () => {
    const { sim, source, bus } = await start();
    await source.read();
    const endpoint = sim.endpointControl;
    assert.ok(endpoint);
    await endpoint.unplug();
    await waitFor(() => bus.state === 'reconnecting', 5000, 'bus reconnecting');
    await endpoint.replug();
    await waitFor(() => bus.state === 'open', 5000, 'bus open again');
    const reading = await source.read();
    assert.deepEqual(reading.fields, sim.snapshot().fields);
    assert.equal(sim.connects, 2);
    assert.equal(sim.device.requests.filter((r) => r.command === CMD_LOGON).length, 2);
  });
});
