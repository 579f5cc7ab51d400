import assert from 'node:assert/strict';
import { helper } from '../support/nodeRed';
import { startModbusSlave, type ModbusSlaveSim } from '../../lib/sim/modbusSlave';
import { XwDevice } from '../../lib/sim/xwDevice';
import { XW_NODES } from './xwFlow';

describe('xw-inverter editor scan endpoint', function () {
  this.timeout(30000);
  let sim: ModbusSlaveSim;
  let device: XwDevice;

  before(async () => {
    device = new XwDevice({ 10: {}, 12: { operatingMode: 2 }, 13: {} });
    device.setDead(13, true);
    sim = await startModbusSlave(device, { transport: 'pty' }, { baudRate: 19200, turnaroundMs: 2 });
    await helper.startServer();
  });
  afterEach(async () => {
    await helper.unload();
  });
  after(async () => {
    await helper.stopServer();
    await sim?.close();
  });

  it('lists the units answering at 10–29 on a deployed bus', async () => {
    await helper.load(XW_NODES, [
      { id: 'bus1', type: 'rs485-bus', name: 'line 1', connection: 'serial', serialPort: sim.clientPath, baudRate: 19200, dataBits: 8, parity: 'none', stopBits: 1, timeout: 100, pause: 0, deadline: 10000, trace: false },
    ] as never);
    const res = await helper.request().get('/xw-inverter/scan').query({ bus: 'bus1' }).expect(200);
    assert.deepEqual(res.body.units, [
      { unit: 10, state: 'Operating' },
      { unit: 12, state: 'Remote Power Off' },
    ]);
    assert.equal(res.body.reason, '');
    // every address 10–29 was asked once, nothing else
    assert.deepEqual([...new Set(sim.requests.map((r) => r.unit))].sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => 10 + i));
  });

  it('says why when the bus is not deployed or the range is bad', async () => {
    await helper.load(XW_NODES, [] as never);
    const missing = await helper.request().get('/xw-inverter/scan').query({ bus: 'nope' }).expect(200);
    assert.deepEqual(missing.body.units, []);
    assert.match(missing.body.reason, /deploy the bus first/);
    const bad = await helper.request().get('/xw-inverter/scan').query({ bus: 'nope', from: 0, to: 500 }).expect(400);
    assert.match(bad.body.reason, /unit addresses 1–247/);
  });
});
