/**
 * The late-reply rule (lib/modbus/modbusClient.ts, docs/RELIABILITY.md): a Modbus RTU reply that
 * comes after its request's timeout — here up to twice the timeout — is never taken for the answer
 * to another request of the same unit and function; requests to other units go on after the
 * line's guard (1.5 timeouts) instead of waiting for the longer hold (3 timeouts).
 */
import assert from 'node:assert/strict';
import { acquireBus, releaseBus } from '../../lib/bus/busRegistry';
import type { Bus } from '../../lib/bus/bus';
import { Priority } from '../../lib/bus/priority';
import { ProtocolError, TransportError } from '../../lib/bus/errors';
import { FORMAT_8N1 } from '../../lib/bus/wireTiming';
import { modbusClientFor } from '../../lib/modbus/modbusClient';
import { startModbusSlave, type ModbusSlaveSim } from '../../lib/sim/modbusSlave';
import { RegisterBank } from '../../lib/sim/registerBank';
import { waitFor } from '../support/waitFor';
import { Bus as BusClass } from '../../lib/bus/bus';
import { FakeLink } from './fakeLink';
import { createLink } from '../../lib/bus/bus';
import { WriteLoggingLink } from '../soak/writeLog';

const TIMEOUT_MS = 150;
const opts = { owner: 'test', priority: Priority.Poll };

describe('late-reply rule (Modbus RTU)', function () {
  this.timeout(20000);
  let sim: ModbusSlaveSim | undefined;
  let bus: Bus | undefined;

  afterEach(async () => {
    if (bus) await releaseBus(bus, 'test');
    await sim?.close();
    bus = undefined;
    sim = undefined;
  });

  for (const lateBy of [1.2, 1.6, 2.0]) {
    it(`a reply ${lateBy} × the timeout after its request is never another read's answer; the other unit is not held for it`, async () => {
      const bank = new RegisterBank().setRange(10, 0, [1, 2, 3, 4]).setRange(10, 100, [101, 102, 103, 104]).setRange(11, 0, [111, 112, 113, 114]);
      sim = await startModbusSlave(bank, { transport: 'pty' }, { baudRate: 19200, turnaroundMs: 100, slowMs: lateBy * TIMEOUT_MS });
      // the hold is the bus's promise, timed on the bus's side: when each request was with the OS
      // (the simulator's arrival times also carry socat's and its own delays on a loaded machine)
      let logged: WriteLoggingLink | undefined;
      const linkFactory = (config: Parameters<typeof createLink>[0]): WriteLoggingLink => (logged = new WriteLoggingLink(createLink(config)));
      bus = acquireBus({ link: { kind: 'serial', path: sim.clientPath as string, baudRate: 19200, format: FORMAT_8N1 }, framing: 'rtu', timeoutMs: TIMEOUT_MS, pauseMs: 0, deadlineMs: 5000, trace: false }, 'test', { linkFactory });
      await waitFor(() => bus?.state === 'open', 5000, 'the bus open');
      const client = modbusClientFor(bus);
      sim.injectFault('slow', { count: 1 });
      const first = client.readHoldingRegisters(10, 0, 4, opts);
      const sameShape = client.readHoldingRegisters(10, 100, 4, opts); // same unit, function and length
      const otherUnit = client.readHoldingRegisters(11, 0, 4, opts).catch((e: unknown) => e);
      await assert.rejects(first, (err: unknown) => err instanceof TransportError && err.kind === 'timeout');
      assert.deepEqual(await sameShape, [101, 102, 103, 104], 'the same-shaped read has its own values');
      const other = await otherUnit;
      // a reply later than the line guard may run into the other unit's request (a device fault
      // beyond the rule): then that read fails typed, but never takes unit 10's values
      if (Array.isArray(other)) assert.deepEqual(other, [111, 112, 113, 114]);
      else assert.ok(other instanceof TransportError || other instanceof ProtocolError, String(other));
      const [a, b, c] = sim.requests;
      assert.deepEqual([a.unit, b.unit, c.unit], [10, 11, 10], 'the other unit went first, the same-shaped read after the hold');
      assert.ok(c.firstByteAt >= (a.repliedAt as number), 'the same-shaped read went out after the late reply');
      const [wa, wb, wc] = logged?.writes ?? [];
      assert.deepEqual([wa?.unit, wb?.unit, wc?.unit], [10, 11, 10], 'the bus wrote them in that order');
      assert.ok(wc.at - wa.at >= 3 * TIMEOUT_MS - 1, `held ${(wc.at - wa.at).toFixed(1)} ms after its write, the hold is ${3 * TIMEOUT_MS} ms`);
      assert.ok(wb.at - wa.at < 3 * TIMEOUT_MS, 'the other unit was not held for the whole hold');
      if (lateBy <= 1.5) assert.equal(sim.overlaps, 0, 'within the guard nothing runs into the late reply');
    });
  }

  it('does not hold a retry of the identical read: the late reply answers it', async () => {
    const bank = new RegisterBank().setRange(10, 0, [1, 2, 3, 4]);
    sim = await startModbusSlave(bank, { transport: 'pty' }, { baudRate: 19200, turnaroundMs: 2, slowMs: 1.2 * TIMEOUT_MS });
    bus = acquireBus({ link: { kind: 'serial', path: sim.clientPath as string, baudRate: 19200, format: FORMAT_8N1 }, framing: 'rtu', timeoutMs: TIMEOUT_MS, pauseMs: 0, deadlineMs: 5000, trace: false }, 'test');
    await waitFor(() => bus?.state === 'open', 5000, 'the bus open');
    const client = modbusClientFor(bus);
    sim.injectFault('slow', { count: 1 });
    const started = performance.now();
    assert.deepEqual(await client.readHoldingRegisters(10, 0, 4, { ...opts, retries: 1 }), [1, 2, 3, 4]);
    assert.ok(performance.now() - started < 3 * TIMEOUT_MS, 'the retry went after the guard, not after the hold');
  });

  it('holds the line for the guard after a CRC failure too (the failed frame may be a stale one cut short by the real reply)', async () => {
    const link = new FakeLink(() => ({ reply: Buffer.from('bad'), afterMs: 1 }));
    const b = new BusClass('fake', { link: { kind: 'tcp', host: 'fake', port: 1 }, framing: 'rtu', timeoutMs: TIMEOUT_MS, pauseMs: 0, deadlineMs: 5000, trace: false }, { linkFactory: () => link });
    b.start();
    try {
      await waitFor(() => b.state === 'open');
      const guardMs = 1.5 * TIMEOUT_MS;
      const crcFail = b.submit({
        owner: 't',
        priority: Priority.Poll,
        lateReplyGuardMs: guardMs,
        run: (ctx) =>
          new Promise((_, reject) => {
            const off = ctx.onData(() => {
              off();
              reject(new TransportError('crc', 'reply failed its CRC check'));
            });
            void ctx.write(Buffer.from('q1'));
          }),
      });
      await assert.rejects(crcFail, { kind: 'crc' });
      await b.submit({ owner: 't', priority: Priority.Poll, run: async (ctx) => ctx.write(Buffer.from('q2')) });
      const gap = link.writes[1].at - link.writes[0].at;
      assert.ok(gap >= guardMs, `next request ${gap.toFixed(0)} ms after the one whose reply failed its CRC; the guard is ${guardMs} ms`);
    } finally {
      await b.close();
    }
  });
});
