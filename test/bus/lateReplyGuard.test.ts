/**
 * Two faults the soak found in the Modbus path, each pinned by a test that fails without its fix:
 * a late RTU reply taken for the answer to the next read of the same unit, and a truncated
 * Modbus TCP reply misaligning every later one.
 */
import assert from 'node:assert/strict';
import { acquireBus, releaseBus } from '../../lib/bus/busRegistry';
import type { Bus } from '../../lib/bus/bus';
import { Priority } from '../../lib/bus/priority';
import { TransportError } from '../../lib/bus/errors';
import { FORMAT_8N1 } from '../../lib/bus/wireTiming';
import { modbusClientFor } from '../../lib/modbus/modbusClient';
import { startModbusSlave, type ModbusSlaveSim } from '../../lib/sim/modbusSlave';
import { RegisterBank } from '../../lib/sim/registerBank';
import { startRemoteSlave } from '../../lib/sim/remoteSlave';
import { waitFor } from '../support/waitFor';

const opts = { owner: 'test', priority: Priority.Poll };

function waitOpen(bus: Bus): Promise<void> {
  return waitFor(() => bus.state === 'open', 5000, 'the bus open');
}

describe('late and broken replies (Modbus)', function () {
  this.timeout(20000);
  let sim: ModbusSlaveSim | undefined;
  let bus: Bus | undefined;

  afterEach(async () => {
    if (bus) await releaseBus(bus, 'test');
    await sim?.close();
    bus = undefined;
    sim = undefined;
  });

  it('RTU: a reply later than the timeout is discarded, never taken for the next read of the same unit', async () => {
    const bank = new RegisterBank().setRange(10, 0, [1, 2, 3, 4]).setRange(10, 100, [101, 102, 103, 104]);
    // turnaround 20 ms: the next read's answer comes ~22 ms after its request; the late reply
    // (410 ms after the first request, 10 ms past its 400 ms timeout) would land before it. The
    // guard keeps the line quiet until 600 ms: 190 ms for the late reply to come in on a busy machine.
    sim = await startModbusSlave(bank, { transport: 'pty' }, { baudRate: 19200, turnaroundMs: 20, slowMs: 410 });
    bus = acquireBus({ link: { kind: 'serial', path: sim.clientPath as string, baudRate: 19200, format: FORMAT_8N1 }, framing: 'rtu', timeoutMs: 400, pauseMs: 0, deadlineMs: 5000, trace: false }, 'test');
    await waitOpen(bus);
    const client = modbusClientFor(bus);
    sim.injectFault('slow', { count: 1 });
    const first = client.readHoldingRegisters(10, 0, 4, opts);
    const second = client.readHoldingRegisters(10, 100, 4, opts);
    await assert.rejects(first, (err: unknown) => err instanceof TransportError && err.kind === 'timeout');
    assert.deepEqual(await second, [101, 102, 103, 104]);
    assert.equal(sim.overlaps, 0, 'the second request was not sent while the late reply was still due');
    const [a, b] = sim.requests;
    assert.ok(b.firstByteAt >= (a.repliedAt as number), 'the second request went out after the late reply');
  });

  for (const transport of ['pty', 'tcp'] as const) {
    it(`RTU (${transport}): a reply that reached the OS while the process stalled past its timeout is not taken for the next read`, async () => {
      // the simulator in its own process, so it answers on time while this one stalls
      const remote = await startRemoteSlave({ model: 'bank', units: [10], registers: 200, values: 'unit-address', baudRate: 19200, turnaroundMs: 1, transport });
      try {
        const link = transport === 'pty' ? { kind: 'serial' as const, path: remote.clientPath as string, baudRate: 19200, format: FORMAT_8N1 } : { kind: 'tcp' as const, host: '127.0.0.1', port: remote.port as number, lineBaudRate: 19200 };
        bus = acquireBus({ link, framing: 'rtu', timeoutMs: 100, pauseMs: 0, deadlineMs: 5000, trace: false }, 'test');
        await waitOpen(bus);
        const client = modbusClientFor(bus);
        const first = client.readHoldingRegisters(10, 17, 2, opts).then(
          (v) => v,
          (err: unknown) => err,
        );
        const second = client.readHoldingRegisters(10, 22, 2, opts);
        await waitFor(() => bus?.counters().queueLength === 1, 2000, 'the first read on the wire');
        await new Promise((r) => setTimeout(r, 5));
        // a long GC: the reply comes in, the 100 ms timeout and the 150 ms guard pass while nothing
        // runs; afterwards the timers run before the I/O that holds the reply
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
        const firstOutcome = await first;
        if (Array.isArray(firstOutcome)) assert.deepEqual(firstOutcome, [10 * 256 + 17, 10 * 256 + 18]);
        else assert.ok(firstOutcome instanceof TransportError, String(firstOutcome));
        assert.deepEqual(await second, [10 * 256 + 22, 10 * 256 + 23], 'the second read has its own values');
      } finally {
        if (bus) await releaseBus(bus, 'test');
        bus = undefined;
        await remote.close();
      }
    });
  }

  it('Modbus TCP: after a truncated reply the next requests are answered', async () => {
    const bank = new RegisterBank().setRange(10, 0, [1, 2, 3, 4]);
    sim = await startModbusSlave(bank, { transport: 'tcp', framing: 'modbus-tcp' }, { baudRate: 19200, turnaroundMs: 1 });
    bus = acquireBus({ link: { kind: 'tcp', host: '127.0.0.1', port: sim.port as number }, framing: 'modbus-tcp', timeoutMs: 100, pauseMs: 0, deadlineMs: 5000, trace: false }, 'test');
    await waitOpen(bus);
    const client = modbusClientFor(bus);
    sim.injectFault('truncated', { count: 1 });
    await assert.rejects(client.readHoldingRegisters(10, 0, 4, opts), TransportError);
    for (let i = 0; i < 3; i++) assert.deepEqual(await client.readHoldingRegisters(10, 0, 4, opts), [1, 2, 3, 4]);
  });
});
