import assert from 'node:assert/strict';
import { acquireBus, releaseBus } from '../../lib/bus/busRegistry';
import type { Bus } from '../../lib/bus/bus';
import type { BusSettings } from '../../lib/bus/busSettings';
import { Priority } from '../../lib/bus/priority';
import { ModbusException, TransportError } from '../../lib/bus/errors';
import { FORMAT_8N1 } from '../../lib/bus/wireTiming';
import { modbusClientFor, type ModbusClient } from '../../lib/modbus/modbusClient';
import { startModbusSlave, type ModbusSlaveSim, type SlaveTransport } from '../../lib/sim/modbusSlave';
import { RegisterBank } from '../../lib/sim/registerBank';
import { waitFor } from '../support/waitFor';

const UNITS = [10, 11, 12];

function bank(): RegisterBank {
  const b = new RegisterBank();
  for (const u of UNITS) b.setRange(u, 64, Array.from({ length: 92 }, (_, i) => (u * 100 + i) & 0xffff));
  b.setRange(10, 353, [0, 0, 0, 0, 0, 3]);
  return b;
}

interface Setup {
  name: string;
  transport: SlaveTransport;
  settings(sim: ModbusSlaveSim): BusSettings;
}

const common = { timeoutMs: 300, pauseMs: 0, deadlineMs: 20000, trace: false };
const setups: Setup[] = [
  {
    name: 'RTU on a pty pair',
    transport: { transport: 'pty' },
    settings: (sim) => ({ link: { kind: 'serial', path: sim.clientPath as string, baudRate: 19200, format: FORMAT_8N1 }, framing: 'rtu', ...common }),
  },
  {
    name: 'RTU over TCP (serial device server)',
    transport: { transport: 'tcp', framing: 'rtu' },
    settings: (sim) => ({ link: { kind: 'tcp', host: '127.0.0.1', port: sim.port as number, lineBaudRate: 19200 }, framing: 'rtu', ...common }),
  },
  {
    name: 'Modbus TCP (gateway)',
    transport: { transport: 'tcp', framing: 'modbus-tcp' },
    settings: (sim) => ({ link: { kind: 'tcp', host: '127.0.0.1', port: sim.port as number }, framing: 'modbus-tcp', ...common }),
  },
];


for (const setup of setups) {
  describe(`Modbus over the bus: ${setup.name}`, function () {
    this.timeout(30000);
    let sim: ModbusSlaveSim;
    let bus: Bus;
    let client: ModbusClient;
    const opts = { owner: 'test', priority: Priority.Poll };

    beforeEach(async () => {
      sim = await startModbusSlave(bank(), setup.transport, { baudRate: 19200, turnaroundMs: 2, slowMs: 600 });
      bus = acquireBus(setup.settings(sim), 'test');
      client = modbusClientFor(bus);
      await waitFor(() => bus.state === 'open');
    });

    afterEach(async () => {
      await releaseBus(bus, 'test');
      await sim.close();
    });

    it('reads and writes holding registers', async () => {
      const values = await client.readHoldingRegisters(11, 64, 92, opts);
      assert.equal(values.length, 92);
      assert.equal(values[0], 1100);
      assert.equal(values[91], 1191);
      await client.writeRegister(10, 354, 1, opts);
      await client.writeRegisters(10, 356, [1, 2], opts);
      assert.deepEqual(await client.readHoldingRegisters(10, 353, 6, opts), [0, 1, 0, 1, 2, 3]);
      assert.equal(sim.writeCount(10), 2);
    });

    it('turns an exception reply into a ModbusException with its code', async () => {
      await assert.rejects(client.readHoldingRegisters(10, 5000, 2, opts), (e: unknown) => e instanceof ModbusException && e.code === 2 && e.unit === 10);
    });

    it('times out on no answer, and the next request still works', async () => {
      sim.injectFault('no-answer', { count: 1 });
      await assert.rejects(client.readHoldingRegisters(10, 64, 4, opts), (e: unknown) => e instanceof TransportError && e.kind === 'timeout');
      assert.equal((await client.readHoldingRegisters(10, 64, 4, opts))[0], 1000);
    });

    it('rejects a reply with a bad CRC, and a truncated one', async function () {
      if (setup.transport.transport === 'tcp' && setup.transport.framing === 'modbus-tcp') {
        // Modbus TCP has no CRC; the gateway's MBAP length frames the reply
        sim.injectFault('exception', { count: 1 });
        await assert.rejects(client.readHoldingRegisters(10, 64, 4, opts), (e: unknown) => e instanceof ModbusException && e.code === 4);
        return;
      }
      sim.injectFault('bad-crc', { count: 1 });
      await assert.rejects(client.readHoldingRegisters(10, 64, 4, opts), (e: unknown) => e instanceof TransportError && e.kind === 'crc');
      sim.injectFault('truncated', { count: 1 });
      await assert.rejects(client.readHoldingRegisters(10, 64, 4, opts), (e: unknown) => e instanceof TransportError && e.kind === 'truncated');
      assert.equal((await client.readHoldingRegisters(10, 64, 4, opts))[3], 1003);
    });

    it('never answers late replies into the next request (slow answer)', async () => {
      sim.injectFault('slow', { count: 1 });
      await assert.rejects(client.readHoldingRegisters(10, 64, 4, opts), { kind: 'timeout' });
      // the slow reply to unit 10 arrives during or before this read of unit 11
      const v = await client.readHoldingRegisters(11, 64, 4, opts).catch((e: Error) => e);
      assert.ok(Array.isArray(v) ? v[0] === 1100 : v instanceof TransportError, `got ${String(v)}`);
    });

    it('recovers by itself when the port vanishes and comes back', async () => {
      await client.readHoldingRegisters(10, 64, 1, opts);
      await sim.unplug();
      await waitFor(() => bus.state === 'reconnecting');
      const during = client.readHoldingRegisters(10, 64, 1, { ...opts, deadlineMs: 15000 });
      await new Promise((r) => setTimeout(r, 300));
      await sim.replug();
      assert.deepEqual(await during, [1000]);
      assert.equal(bus.state, 'open');
    });

    it('200 requests from several sources: never two in flight, priorities respected, every one ends', async () => {
      sim.resetStats();
      const settled: { priority: Priority; at: number; ok: boolean }[] = [];
      let seq = 0;
      const jobs: Promise<void>[] = [];
      for (let i = 0; i < 200; i++) {
        const priority = [Priority.Poll, Priority.Background, Priority.Command, Priority.Poll, Priority.Critical][i % 5];
        const unit = UNITS[i % 3];
        const job = (i % 7 === 0 ? client.writeRegister(10, 353, i % 2, { owner: `src${i % 4}`, priority }) : client.readHoldingRegisters(unit, 64 + (i % 10), 10, { owner: `src${i % 4}`, priority }))
          .then(
            () => settled.push({ priority, at: seq++, ok: true }),
            () => settled.push({ priority, at: seq++, ok: false }),
          )
          .then(() => undefined);
        jobs.push(job);
      }
      await Promise.all(jobs);
      assert.equal(settled.length, 200, 'every request ends');
      assert.ok(settled.every((s) => s.ok), 'no request failed');
      assert.equal(sim.overlaps, 0, 'never two frames in flight');
      assert.equal(sim.earlyRequests, 0, 'never sooner than t3.5 after a reply');
      // all were queued at once: after the first one, the order must be by priority class
      const rest = settled.slice(1).map((s) => s.priority);
      for (let i = 1; i < rest.length; i++) assert.ok(rest[i] >= rest[i - 1], `priority order broken at ${i}`);
    });
  });
}

describe('bus registry', () => {
  it('gives two configs naming one port the same bus, and refuses other line settings', async () => {
    const sim = await startModbusSlave(bank(), { transport: 'pty' }, { baudRate: 19200, turnaroundMs: 1 });
    const s: BusSettings = { link: { kind: 'serial', path: sim.clientPath as string, baudRate: 19200, format: FORMAT_8N1 }, framing: 'rtu', ...common };
    const a = acquireBus(s, 'a');
    const b = acquireBus({ ...s, link: { ...s.link } }, 'b');
    assert.equal(a, b);
    assert.throws(() => acquireBus({ ...s, link: { kind: 'serial', path: sim.clientPath as string, baudRate: 9600, format: FORMAT_8N1 } }, 'c'), /already in use as a 19200 8N1 rtu bus/);
    await releaseBus(a, 'a');
    assert.notEqual(a.state, 'closed', 'still used by b');
    await releaseBus(b, 'b');
    assert.equal(a.state, 'closed');
    await sim.close();
  });
});
