/**
 * sma-inverter and sma-read in the real Node-RED runtime against the SMA simulators: Speedwire on
 * loopback UDP, Bluetooth on a pty standing in for /dev/rfcomm0, SMA Data1 on a pty at 1200 baud.
 */
import assert from 'node:assert/strict';
import { allBuses } from '../../lib/bus/busRegistry';
import { SmaBluetoothSim } from '../../lib/sim/smaBluetoothSim';
import { SmaData1Sim } from '../../lib/sim/smaData1Sim';
import { SmaSpeedwireSim } from '../../lib/sim/smaSpeedwireSim';
import { helper } from '../support/nodeRed';
import { waitFor } from '../support/waitFor';
import { NIGHT, NOON, SMC } from './smaSimBus';
import { influxOf, loadSmaFlow, READ_DEFAULTS, type Msg } from './smaFlow';

const statusOf = (m: Msg): unknown => influxOf(m).fields.last_request_status;

describe('sma-read in Node-RED against the SMA simulators', function () {
  this.timeout(40000);
  let closers: (() => Promise<void>)[] = [];

  afterEach(async () => {
    await helper.unload();
    for (const close of closers.reverse()) await close();
    closers = [];
    assert.equal(allBuses().length, 0, 'every bus released after unload');
  });

  async function speedwire(timeOfDay = NOON): Promise<SmaSpeedwireSim> {
    const sim = await SmaSpeedwireSim.start({ device: SMC, timeOfDay });
    closers.push(() => sim.close());
    return sim;
  }

  const speedwireInverter = (sim: SmaSpeedwireSim, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ id: 'sma1', type: 'sma-inverter', name: 'garage', transport: 'speedwire', host: '127.0.0.1', port: sim.port, group: 'user', sleepAfter: 2, probeInterval: 3600, ...extra });

  it('Speedwire: one message per cycle with the simulator\'s values and the tags, in the influx shape', async () => {
    const sim = await speedwire();
    const f = await loadSmaFlow([speedwireInverter(sim), { id: 'read', type: 'sma-read', inverters: ['sma1'], ...READ_DEFAULTS, wires: [['o1'], ['o2'], []] }], { sma1: { password: '0000' } });
    f.read.receive({ payload: 'go' } as never);
    await waitFor(() => f.comm.length >= 1, 15000, 'a status message');
    assert.equal(f.readings.length, 1);
    const m = f.readings[0];
    const { fields, time, tags } = influxOf(m);
    assert.deepEqual(fields, sim.snapshot().fields, 'the values the device holds, "not available" ones left out');
    assert.ok(time instanceof Date);
    assert.deepEqual(tags, { host: 'test-pi', name: 'garage', serial: String(SMC.serial), type: SMC.name });
    assert.deepEqual(m.tags, tags);
    assert.equal(m.topic, `sma/${SMC.serial}`);
    assert.equal(m.measurement, 'sma');
    assert.equal(m.serial, SMC.serial);
    assert.equal(m.transport, 'speedwire');
    assert.deepEqual(influxOf(f.comm[0]).fields, { last_request_status: 'ok', error_msg: '' });
    assert.equal(f.comm[0].measurement, 'sma_communication');
  });

  it('a wrong password: the status and msg say "logon refused for user group user: wrong password", and the device sees one logon however many cycles', async () => {
    const sim = await speedwire();
    const f = await loadSmaFlow([speedwireInverter(sim), { id: 'read', type: 'sma-read', inverters: ['sma1'], ...READ_DEFAULTS, wires: [['o1'], ['o2'], []] }], { sma1: { password: 'secret' } });
    for (let i = 0; i < 3; i++) {
      f.read.receive({} as never);
      await waitFor(() => f.comm.length >= i + 1, 15000, `status ${i + 1}`);
    }
    for (const m of f.comm) assert.deepEqual(influxOf(m).fields, { last_request_status: 'error', error_msg: 'logon refused for user group user: wrong password' });
    assert.equal(sim.device.logonRequests, 1, 'no second logon within the back-off (SMA devices lock a group out)');
    assert.equal(f.readings.length, 0);
    const last = f.statuses[f.statuses.length - 1];
    assert.equal(last.fill, 'red');
    assert.match(String(last.text), /inputError/);
    assert.ok(f.warnings.some((w) => w === 'garage: logon refused for user group user: wrong password'), f.warnings.join('; '));
  });

  it('at night: silent cycles become "asleep", not errors, and an asleep device costs the wire nothing until its probe', async () => {
    const sim = await speedwire(NIGHT);
    const f = await loadSmaFlow([speedwireInverter(sim), { id: 'read', type: 'sma-read', inverters: ['sma1'], ...READ_DEFAULTS, wires: [['o1'], ['o2'], []] }], { sma1: { password: '0000' } });
    const cycle = async (n: number): Promise<void> => {
      f.read.receive({} as never);
      await waitFor(() => f.comm.length >= n, 20000, `status ${n}`);
    };
    await cycle(1);
    await cycle(2);
    const asked = sim.device.requests.length;
    for (let n = 3; n <= 5; n++) await cycle(n);
    assert.deepEqual(f.comm.map(statusOf), ['error', 'asleep', 'asleep', 'asleep', 'asleep']);
    assert.match(String(influxOf(f.comm[1]).fields.error_msg), /^garage asleep \(night or switched off\)/);
    assert.equal(sim.device.requests.length, asked, 'three more cycles, no request: the probe is an hour away');
    assert.equal(f.statuses[f.statuses.length - 1].fill, 'yellow');
  });

  it('Bluetooth through an rs485-bus on the RFCOMM tty: the simulator\'s values', async () => {
    const sim = await SmaBluetoothSim.start({ device: SMC, timeOfDay: NOON, helloIntervalMs: 100, latencyMs: 5 });
    closers.push(() => sim.close());
    const f = await loadSmaFlow(
      [
        { id: 'bt', type: 'rs485-bus', name: 'rfcomm0', connection: 'serial', serialPort: sim.clientPath, baudRate: 115200, dataBits: 8, parity: 'none', stopBits: 1, timeout: 1000, pause: 0, deadline: 30000, trace: false },
        { id: 'sma1', type: 'sma-inverter', name: 'smc', transport: 'bluetooth', bus: 'bt', btAddress: sim.address, serial: String(SMC.serial), group: 'user' },
        { id: 'read', type: 'sma-read', inverters: ['sma1'], ...READ_DEFAULTS, wires: [['o1'], ['o2'], []] },
      ],
      { sma1: { password: '0000' } },
    );
    f.read.receive({} as never);
    await waitFor(() => f.comm.length >= 1, 30000, 'a status message');
    assert.deepEqual(influxOf(f.comm[0]).fields, { last_request_status: 'ok', error_msg: '' });
    assert.deepEqual(influxOf(f.readings[0]).fields, sim.snapshot().fields);
    assert.equal(f.readings[0].transport, 'bluetooth');
  });

  describe('SMA Data1 on an RS485 line at 1200 baud', () => {
    const SERIAL = 2001000101;
    let sim: SmaData1Sim;

    beforeEach(async () => {
      sim = await SmaData1Sim.start({ endpoint: { transport: 'pty' }, devices: [{ serial: SERIAL, address: 5, type: 'SB 3000' }], broadcastPauseMs: [70, 300], timeOfDay: NOON });
      closers.push(() => sim.close());
    });

    const line = (baudRate: number): Record<string, unknown> => ({ id: 'line', type: 'rs485-bus', name: 'sma line', connection: 'serial', serialPort: sim.clientPath, baudRate, dataBits: 8, parity: 'none', stopBits: 1, timeout: 1000, pause: 0, deadline: 60000, trace: false });
    const data1 = { id: 'sma1', type: 'sma-inverter', name: 'sb', transport: 'data1', bus: 'line', serial: String(SERIAL), address: '5', framing: 'smanet' };

    it('reads the device through the arbiter: the values it froze at CMD_SYN_ONLINE', async () => {
      const f = await loadSmaFlow([line(1200), data1, { id: 'read', type: 'sma-read', inverters: ['sma1'], ...READ_DEFAULTS, wires: [['o1'], ['o2'], []] }]);
      f.read.receive({} as never);
      await waitFor(() => f.comm.length >= 1, 30000, 'a status message');
      assert.deepEqual(influxOf(f.comm[0]).fields, { last_request_status: 'ok', error_msg: '' });
      assert.deepEqual(influxOf(f.readings[0]).fields, sim.frozen(SERIAL)?.fields);
      // at a configured address there is no discovery, which is what tells the type
      assert.deepEqual(influxOf(f.readings[0]).tags, { host: 'test-pi', name: 'sb', serial: String(SERIAL) });
      assert.equal(sim.overlaps, 0);
    });

    it('the editor\'s scan: the discovery finds the device with its serial, type and address; a bad framing is refused', async () => {
      await loadSmaFlow([line(1200), { id: 'read', type: 'sma-read', inverters: [], ...READ_DEFAULTS, wires: [[], [], []] }]);
      const res = await helper.request().get('/sma-inverter/scan').query({ bus: 'line', framing: 'smanet' }).expect(200);
      assert.deepEqual(res.body, { devices: [{ address: 5, serial: SERIAL, type: 'SB 3000' }], reason: '' });
      const bad = await helper.request().get('/sma-inverter/scan').query({ bus: 'line', framing: 'x' }).expect(400);
      assert.match(String(bad.body.reason), /framing must be smanet or sunnynet/);
      const missing = await helper.request().get('/sma-inverter/scan').query({ bus: 'nope' }).expect(200);
      assert.equal(missing.body.why.code, 'notDeployed');
      assert.equal(sim.overlaps, 0);
    });

    it('a line set to 9600 baud is refused at deploy, naming the 1200 baud SMA Data1 needs; nothing is sent', async () => {
      const f = await loadSmaFlow([line(9600), data1, { id: 'read', type: 'sma-read', inverters: ['sma1'], ...READ_DEFAULTS, wires: [['o1'], ['o2'], []] }]);
      f.read.receive({} as never);
      await waitFor(() => f.errors.length >= 1, 5000, 'the input refused with the setup error');
      assert.match(f.errors[0], /^sma-read read: SMA Data1 \(RS485 Piggy-Back\) runs at 1200 baud, but .* is set to 9600 baud\. Set the rs485-bus to 1200 baud/);
      assert.equal(f.statuses[f.statuses.length - 1].fill, 'red');
      assert.equal(sim.requests.length, 0, 'nothing on the wire');
    });

    it('KACO and SMA Data1 on one line: the second reader is refused with an error naming both', async () => {
      const f = await loadSmaFlow([
        line(1200),
        data1,
        { id: 'read', type: 'sma-read', inverters: ['sma1'], ...READ_DEFAULTS, wires: [['o1'], ['o2'], []] },
        { id: 'k1', type: 'kaco-inverter', name: 'roof', bus: 'line', address: 1, sleepAfter: 3, probeInterval: 60 },
        { id: 'kread', type: 'kaco-read', name: 'kaco', inverters: ['k1'], interval: 0, yieldEvery: 0, timeout: 400, pause: 50, shape: 'fields', measurement: 'kaco', statusMeasurement: 'kaco_communication', pvLoggerNames: false, tags: '{}', wires: [[], [], []] },
      ]);
      // Node-RED starts flow nodes in flow order: sma-read has the line, kaco-read comes second
      const kread = helper.getNode('kread') as unknown as NodeJS.EventEmitter & { receive(m: unknown): void };
      const kacoErrors: string[] = [];
      kread.on('call:error', (c: { args: unknown[] }) => kacoErrors.push(String((c.args[0] as Error)?.message ?? c.args[0])));
      kread.receive({});
      await waitFor(() => kacoErrors.length >= 1, 5000, 'kaco-read refused');
      assert.match(kacoErrors[0], /^kaco-read "kaco": KACO runs at 9600 baud and sma-read read on the same line \(.*\) runs SMA Data1 \(RS485 Piggy-Back\) at 1200 baud; one line runs at one speed/);
      // sma-read, first on the line, reads on: its requests reach the line
      f.read.receive({} as never);
      await waitFor(() => sim.requests.length > 0, 10000, 'an SMA request on the line');
      assert.deepEqual(f.errors, []);
    });
  });

  it('the editor\'s logon test: the device\'s type and serial, or the refusal; a refused test holds the next one back', async () => {
    const sim = await speedwire();
    await loadSmaFlow([{ id: 'read', type: 'sma-read', inverters: [], ...READ_DEFAULTS, wires: [[], [], []] }]);
    const body = { transport: 'speedwire', host: '127.0.0.1', port: sim.port, group: 'user' };
    const ok = await helper.request().post('/sma-inverter/logon').send({ ...body, password: '0000' }).expect(200);
    assert.deepEqual(ok.body, { ok: true, serial: SMC.serial, type: SMC.name });
    const refused = await helper.request().post('/sma-inverter/logon').send({ ...body, password: 'nope' }).expect(200);
    assert.deepEqual(refused.body, { ok: false, logonRefused: true, reason: 'logon refused for user group user: wrong password' });
    const logons = sim.device.logonRequests;
    const again = await helper.request().post('/sma-inverter/logon').send({ ...body, password: 'nope2' }).expect(200);
    assert.equal(again.body.ok, false);
    assert.match(String(again.body.reason), /^the last logon test was refused; wait \d+ s/);
    assert.equal(sim.device.logonRequests, logons, 'the held-back test never reached the device');
    const bad = await helper.request().post('/sma-inverter/logon').send({ ...body, host: 'not a host!', password: '0000' }).expect(400);
    assert.match(String(bad.body.reason), /Speedwire needs the device's IP address/);
  });
});
