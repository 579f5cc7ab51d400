import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { Bus } from '../../lib/bus/bus';
import { Priority } from '../../lib/bus/priority';
import { KacoClient } from '../../lib/kaco/kacoClient';
import { modbusClientFor } from '../../lib/modbus/modbusClient';
import { KacoSim } from '../../lib/sim/kacoSim';
import { startModbusSlave, type ModbusSlaveSim } from '../../lib/sim/modbusSlave';
import { RegisterBank } from '../../lib/sim/registerBank';
import { waitFor } from './simBus';

/**
 * An RS485 line as a broadcast medium: every byte the client sends reaches both devices (a
 * KACO inverter and a Modbus unit), and whatever either sends reaches the client. Each device
 * sees the other protocol's frames as noise, as on a real shared line.
 */
async function sharedLine(ports: number[]): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    const devices = ports.map((p) => net.connect(p, '127.0.0.1'));
    for (const d of devices) {
      sockets.add(d);
      d.setNoDelay(true);
      d.on('data', (chunk) => client.write(chunk));
      d.on('error', () => undefined);
    }
    client.setNoDelay(true);
    client.on('data', (chunk) => devices.forEach((d) => d.write(chunk)));
    client.on('error', () => undefined);
    client.on('close', () => devices.forEach((d) => d.destroy()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('KACO and Modbus on one bus through the arbiter', function () {
  this.timeout(30000);
  let kaco: KacoSim;
  let modbus: ModbusSlaveSim;
  let line: Awaited<ReturnType<typeof sharedLine>>;
  let bus: Bus;

  before(async () => {
    kaco = await KacoSim.start({ endpoint: { transport: 'tcp' }, inverters: [{ address: 1 }, { address: 2, protocol: 'generic' }], latencyMs: 20, timeOfDay: () => 12 });
    modbus = await startModbusSlave(new RegisterBank({ 10: { 64: 3, 65: 1024 } }), { transport: 'tcp', framing: 'rtu' }, { baudRate: 9600, turnaroundMs: 5 });
    line = await sharedLine([kaco.port as number, modbus.port as number]);
    bus = new Bus('mixed', { link: { kind: 'tcp', host: '127.0.0.1', port: line.port, lineBaudRate: 9600 }, framing: 'rtu', timeoutMs: 500, pauseMs: 0, deadlineMs: 30000, trace: false });
    bus.start();
    await waitFor(() => bus.state === 'open');
  });

  after(async () => {
    await bus.close();
    await line.close();
    await kaco.close();
    await modbus.close();
  });

  it('interleaves KACO reads and Modbus reads, each getting its own answer, one transaction at a time', async () => {
    const kacoClient = new KacoClient(bus, { owner: 'kaco', timeoutMs: 600, pauseAfterMs: 30 });
    const modbusClient = modbusClientFor(bus);
    // two users of the bus side by side, each one request after the other
    const kacoUser = async (): Promise<void> => {
      for (let k = 0; k < 5; k++) {
        const m = await kacoClient.readMeasurements(1 + (k % 2));
        assert.deepEqual(m.fields, kaco.snapshot(m.address).measurements);
      }
    };
    const modbusUser = async (): Promise<void> => {
      for (let k = 0; k < 5; k++) assert.deepEqual(await modbusClient.readHoldingRegisters(10, 64, 2, { owner: 'modbus', priority: Priority.Poll }), [3, 1024]);
    };
    await Promise.all([kacoUser(), modbusUser()]);
    assert.equal(kaco.requests.length, 5);
    assert.equal(modbus.requests.filter((r) => r.unit === 10).length, 5);
    assert.equal(kaco.overlaps, 0, 'no KACO request while a KACO reply was pending');
    assert.equal(modbus.overlaps, 0, 'no Modbus request while a Modbus reply was pending');
    // and across protocols: every request arrived after the previous reply of the other device
    const events = [
      ...kaco.requests.map((r) => ({ p: 'kaco', at: r.arrivedAt, done: r.doneBy as number })),
      ...modbus.requests.filter((r) => r.unit === 10).map((r) => ({ p: 'modbus', at: r.arrivedAt, done: r.repliedAt as number })),
    ].sort((a, b) => a.at - b.at);
    const switches = events.filter((e, i) => i > 0 && e.p !== events[i - 1].p).length;
    assert.ok(switches >= 4, `the two protocols took turns on the line (${events.map((e) => e.p).join(' ')})`);
    for (let i = 1; i < events.length; i++) assert.ok(events[i].at >= events[i - 1].done, `request ${i} went out before reply ${i - 1} was in`);
  });
});
