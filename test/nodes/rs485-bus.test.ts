import assert from 'node:assert/strict';
import { SerialPort } from 'serialport';
import type { Node, NodeStatus } from 'node-red';
import { helper } from '../support/nodeRed';
import { startModbusSlave, type ModbusSlaveSim } from '../../lib/sim/modbusSlave';
import { RegisterBank } from '../../lib/sim/registerBank';
import { modbusClientFor } from '../../lib/modbus/modbusClient';
import { Priority } from '../../lib/bus/priority';
import type { Rs485BusConfigNode } from '../../nodes/rs485-bus/busNodeApi';
import rs485BusNode from '../../nodes/rs485-bus/rs485-bus';
import { waitFor } from '../support/waitFor';


/** Opens the port with serialport's default exclusive lock: fails with "Cannot lock port" if anyone still holds it. */
async function openExclusively(path: string): Promise<void> {
  const port = new SerialPort({ path, baudRate: 19200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  await new Promise<void>((resolve) => port.close(() => resolve()));
}

function activeHandles(): number {
  // process._getActiveHandles is undocumented but stable; it is the handle count Node itself sees.
  return (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length;
}

describe('rs485-bus config node', function () {
  this.timeout(60000);
  let sim: ModbusSlaveSim;

  before(async () => {
    sim = await startModbusSlave(new RegisterBank({ 10: { 64: 42, 65: 43 } }), { transport: 'pty' }, { baudRate: 19200, turnaroundMs: 1 });
  });
  after(async () => {
    await helper.unload();
    await sim.close();
  });
  afterEach(async () => {
    await helper.unload();
  });

  const flow = (extra: Record<string, unknown> = {}): Parameters<typeof helper.load>[1] => [
    { id: 'bus1', type: 'rs485-bus', name: 'line 1', connection: 'serial', serialPort: sim.clientPath, baudRate: 19200, dataBits: 8, parity: 'none', stopBits: 1, timeout: 300, pause: 0, deadline: 5000, trace: false, ...extra },
    { id: 'user1', type: 'helper' },
  ];

  it('opens on the first user, carries Modbus, and pushes its state to the user', async () => {
    await helper.load(rs485BusNode, flow());
    const busNode = helper.getNode('bus1') as unknown as Rs485BusConfigNode;
    const user = helper.getNode('user1') as unknown as Node;
    const statuses: NodeStatus[] = [];
    const original = user.status.bind(user);
    user.status = (s: string | NodeStatus) => {
      if (typeof s !== 'string') statuses.push(s);
      original(s);
    };
    const bus = busNode.register(user);
    await waitFor(() => bus.state === 'open');
    assert.deepEqual(await modbusClientFor(bus).readHoldingRegisters(10, 64, 2, { owner: 'user1', priority: Priority.Poll }), [42, 43]);
    assert.ok(statuses.some((s) => s.fill === 'green'), 'green status when open');
    await sim.unplug();
    await waitFor(() => statuses.some((s) => s.fill === 'red'));
    await sim.replug();
    await waitFor(() => bus.state === 'open');
    await busNode.deregister(user);
    assert.equal(bus.state, 'closed');
  });

  it('redeploys 20 times with no port left locked and no handle left open', async () => {
    await openExclusively(sim.clientPath as string);
    const baseline = activeHandles();
    for (let i = 0; i < 20; i++) {
      await helper.load(rs485BusNode, flow({ name: `deploy ${i}` }));
      const busNode = helper.getNode('bus1') as unknown as Rs485BusConfigNode;
      const bus = busNode.register(helper.getNode('user1') as unknown as Node);
      await waitFor(() => bus.state === 'open');
      await modbusClientFor(bus).readHoldingRegisters(10, 64, 1, { owner: 'user1', priority: Priority.Poll });
      await helper.unload();
      assert.equal(bus.state, 'closed', `deploy ${i}: bus closed by the close handler`);
      await openExclusively(sim.clientPath as string);
    }
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(activeHandles() <= baseline, `handles: ${activeHandles()} after, ${baseline} before`);
  });

  it('refuses a bad configuration with a clear message and opens nothing', async () => {
    await helper.load(rs485BusNode, flow({ serialPort: 'ttyUSB0' }));
    const busNode = helper.getNode('bus1') as unknown as Rs485BusConfigNode;
    assert.throws(() => busNode.register(helper.getNode('user1') as unknown as Node), /serial port must be a device path/);
    await helper.unload();
    await helper.load(rs485BusNode, flow({ connection: 'modbus-tcp', host: 'bad host!', tcpPort: 502 }));
    assert.throws(() => (helper.getNode('bus1') as unknown as Rs485BusConfigNode).register(helper.getNode('user1') as unknown as Node), /host must be a host name/);
  });

  it('shares one bus between two config nodes naming the same port, refuses different line or arbiter settings naming both', async () => {
    await helper.load(rs485BusNode, [
      ...flow(),
      { id: 'bus2', type: 'rs485-bus', connection: 'serial', serialPort: sim.clientPath, baudRate: 19200, dataBits: 8, parity: 'none', stopBits: 1, timeout: 300, pause: 0, deadline: 5000, trace: false },
      { id: 'bus3', type: 'rs485-bus', connection: 'serial', serialPort: sim.clientPath, baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 },
      { id: 'bus4', type: 'rs485-bus', name: 'slow', connection: 'serial', serialPort: sim.clientPath, baudRate: 19200, dataBits: 8, parity: 'none', stopBits: 1, timeout: 2000, pause: 0, deadline: 5000, trace: false },
      { id: 'user2', type: 'helper' },
    ]);
    const a = (helper.getNode('bus1') as unknown as Rs485BusConfigNode).register(helper.getNode('user1') as unknown as Node);
    const b = (helper.getNode('bus2') as unknown as Rs485BusConfigNode).register(helper.getNode('user2') as unknown as Node);
    assert.equal(a, b);
    assert.throws(() => (helper.getNode('bus3') as unknown as Rs485BusConfigNode).register(helper.getNode('user2') as unknown as Node), /already in use as a 19200 8N1 rtu bus by rs485-bus "line 1" \(bus1\)/);
    assert.throws(
      () => (helper.getNode('bus4') as unknown as Rs485BusConfigNode).register(helper.getNode('user2') as unknown as Node),
      /already open by rs485-bus "line 1" \(bus1\) with other settings than rs485-bus "slow" \(bus4\) \(timeout 300 ms there, 2000 ms here\)/,
    );
  });
});
