import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import ModbusRTU from 'modbus-serial';
import { startModbusSlave, type ModbusSlaveSim } from '../../lib/sim/modbusSlave';
import { RegisterBank } from '../../lib/sim/registerBank';
import { rtuFrame } from '../../lib/sim/rtuRequestReader';
import { mbapFrame } from '../../lib/sim/mbapRequestReader';
import { closeClient, connectClient, connectRaw, TRANSPORTS } from './simClients';
import { waitFor } from '../support/waitFor';

const TIMING = { baudRate: 9600, turnaroundMs: 20, slowMs: 400 };

function bank(): RegisterBank {
  return new RegisterBank()
    .setRange(1, 100, [10, 11, 12, 13, 14, 15, 16, 17, 18, 19])
    .setRange(2, 100, [20, 21, 22])
    .setRange(2, 200, [0, 0, 0]);
}

async function rejection(promise: Promise<unknown>): Promise<Error & { modbusCode?: number; errno?: string }> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  assert.fail('expected the request to fail');
}

/** fn 3 request, framed for the transport */
function readRequest(framing: 'rtu' | 'modbus-tcp', unit: number, address: number, count: number, tid = 1): Buffer {
  const pdu = Buffer.alloc(5);
  pdu[0] = 3;
  pdu.writeUInt16BE(address, 1);
  pdu.writeUInt16BE(count, 3);
  return framing === 'rtu' ? rtuFrame(unit, pdu) : mbapFrame(tid, unit, pdu);
}

for (const { name, transport } of TRANSPORTS) {
  const framing = transport.transport === 'tcp' ? transport.framing : 'rtu';

  describe(`sim/modbusSlave over ${name}`, () => {
    let sim: ModbusSlaveSim;
    let model: RegisterBank;
    let client: ModbusRTU | undefined;

    beforeEach(async () => {
      model = bank();
      sim = await startModbusSlave(model, transport, TIMING);
    });

    afterEach(async () => {
      if (client) await closeClient(client);
      client = undefined;
      await sim.close();
    });

    it('answers reads from several units with their values', async () => {
      client = await connectClient(sim, transport);
      client.setID(1);
      assert.deepEqual((await client.readHoldingRegisters(100, 10)).data, [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
      client.setID(2);
      assert.deepEqual((await client.readHoldingRegisters(101, 2)).data, [21, 22]);
      assert.deepEqual(
        sim.requests.map((r) => [r.unit, r.functionCode, r.address, r.count, r.fault, r.repliedAt !== null]),
        [[1, 3, 100, 10, null, true], [2, 3, 101, 2, null, true]],
      );
    });

    it('applies single and multiple writes and counts them per unit', async () => {
      client = await connectClient(sim, transport);
      client.setID(2);
      await client.writeRegister(200, 0xbeef);
      await client.writeRegisters(201, [7, 8]);
      assert.deepEqual((await client.readHoldingRegisters(200, 3)).data, [0xbeef, 7, 8]);
      assert.equal(sim.writeCount(2), 2);
      assert.equal(sim.writeCount(1), 0);
      assert.deepEqual(sim.requests.slice(0, 2).map((r) => [r.functionCode, r.address, r.count]), [[6, 200, 1], [16, 201, 2]]);
    });

    it('answers exception 2 for an address outside the map, and writes nothing', async () => {
      client = await connectClient(sim, transport);
      client.setID(1);
      assert.equal((await rejection(client.readHoldingRegisters(105, 10))).modbusCode, 2);
      assert.equal((await rejection(client.writeRegisters(109, [1, 2]))).modbusCode, 2);
      assert.equal(model.get(1, 109), 19);
      assert.equal(sim.writeCount(1), 0);
    });

    it('answers exception 1 for a function it does not serve', async () => {
      client = await connectClient(sim, transport);
      client.setID(1);
      assert.equal((await rejection(client.readInputRegisters(100, 1))).modbusCode, 1);
    });

    it('stays silent for a unit it does not have', async () => {
      client = await connectClient(sim, transport, 300);
      client.setID(9);
      assert.equal((await rejection(client.readHoldingRegisters(100, 1))).errno, 'ETIMEDOUT');
      assert.equal(sim.requests.length, 1);
      assert.equal(sim.requests[0].repliedAt, null);
    });

    it('fault no-answer: the client times out, the write is not applied', async () => {
      client = await connectClient(sim, transport, 300);
      client.setID(2);
      sim.injectFault('no-answer', { count: 1 });
      assert.equal((await rejection(client.writeRegister(200, 5))).errno, 'ETIMEDOUT');
      assert.equal(model.get(2, 200), 0);
      assert.equal(sim.requests[0].fault, 'no-answer');
      // count: 1 — the next request is answered again
      assert.deepEqual((await client.readHoldingRegisters(200, 1)).data, [0]);
    });

    it('fault bad-crc: the client rejects the reply', async () => {
      client = await connectClient(sim, transport, 300);
      client.setID(1);
      sim.injectFault('bad-crc', { count: 1 });
      const err = await rejection(client.readHoldingRegisters(100, 2));
      // Modbus TCP has no CRC: the corrupted reply carries a foreign transaction id and is ignored
      if (framing === 'rtu') assert.match(err.message, /CRC error/);
      else assert.equal(err.errno, 'ETIMEDOUT');
      assert.equal(sim.requests[0].fault, 'bad-crc');
      assert.notEqual(sim.requests[0].repliedAt, null);
    });

    it('fault truncated: part of the reply arrives, the client times out', async () => {
      client = await connectClient(sim, transport, 300);
      client.setID(1);
      sim.injectFault('truncated', { count: 1 });
      assert.equal((await rejection(client.readHoldingRegisters(100, 10))).errno, 'ETIMEDOUT');
      assert.equal(sim.requests[0].fault, 'truncated');
      assert.notEqual(sim.requests[0].repliedAt, null);
    });

    it('fault truncated: the bytes on the wire are the first half of the reply, and nothing more', async () => {
      const raw = await connectRaw(sim, transport);
      try {
        const frame = (tid: number, pdu: Buffer): Buffer => (framing === 'rtu' ? rtuFrame(1, pdu) : mbapFrame(tid, 1, pdu));
        const words = Buffer.alloc(20);
        for (let i = 0; i < 10; i++) words.writeUInt16BE(10 + i, 2 * i);
        const whole = frame(1, Buffer.concat([Buffer.from([3, 20]), words]));
        const next = frame(2, Buffer.from([3, 2, 0, 10]));
        sim.injectFault('truncated', { count: 1 });
        raw.write(readRequest(framing, 1, 100, 10, 1));
        await waitFor(() => (sim.requests[0]?.repliedAt ?? null) !== null, 5000, 'the truncated reply written');
        // The line keeps order: all the simulator wrote for the first request is in before the
        // second request's reply, so the bytes before that reply are the whole truncated part.
        raw.write(readRequest(framing, 1, 100, 1, 2));
        const keep = Math.floor(whole.length / 2);
        const got = await raw.receive(keep + next.length);
        assert.equal(sim.requests[0].fault, 'truncated');
        assert.deepEqual(got.subarray(0, keep), whole.subarray(0, keep), 'the first half of the reply');
        assert.deepEqual(got.subarray(keep), next, 'then the next reply, whole: nothing more of the first');
      } finally {
        await raw.close();
      }
    });

    it('fault slow: answers after slowMs, past the client timeout', async () => {
      client = await connectClient(sim, transport, 150);
      client.setID(1);
      sim.injectFault('slow', { count: 1 });
      assert.equal((await rejection(client.readHoldingRegisters(100, 1))).errno, 'ETIMEDOUT');
      await waitFor(() => (sim.requests[0]?.repliedAt ?? null) !== null, 5000, 'the slow reply');
      const record = sim.requests[0];
      assert.equal(record.fault, 'slow');
      assert.ok(record.repliedAt !== null && record.repliedAt - record.arrivedAt >= TIMING.slowMs);
    });

    it('fault exception: answers exception 4', async () => {
      client = await connectClient(sim, transport);
      client.setID(1);
      sim.injectFault('exception', { unit: 1 });
      assert.equal((await rejection(client.readHoldingRegisters(100, 1))).modbusCode, 4);
      assert.equal((await rejection(client.readHoldingRegisters(100, 1))).modbusCode, 4);
      // scoped to unit 1: unit 2 is served
      client.setID(2);
      assert.deepEqual((await client.readHoldingRegisters(100, 1)).data, [20]);
      sim.clearFaults();
      client.setID(1);
      assert.deepEqual((await client.readHoldingRegisters(100, 1)).data, [10]);
    });

    it('answers a 10-register read at 9600 8N1 no sooner than the modelled wire time', async () => {
      client = await connectClient(sim, transport);
      client.setID(1);
      const model = sim.wire.replyDelayMs(8, 25);
      for (let i = 0; i < 5; i++) {
        const start = performance.now();
        await client.readHoldingRegisters(100, 10);
        const elapsed = performance.now() - start;
        assert.ok(elapsed >= model, `answered after ${elapsed.toFixed(3)} ms, model ${model.toFixed(3)} ms`);
      }
      for (const r of sim.requests) assert.ok(r.repliedAt !== null && r.dueAt !== null && r.repliedAt >= r.dueAt && r.dueAt - r.arrivedAt >= model - 1e-9);
    });

    it('counts a request that arrives while a reply is pending as an overlap', async () => {
      const raw = await connectRaw(sim, transport);
      try {
        raw.write(Buffer.concat([readRequest(framing, 1, 100, 1, 1), readRequest(framing, 2, 100, 1, 2)]));
        const replyBytes = framing === 'rtu' ? 7 : 11;
        await raw.receive(2 * replyBytes);
        assert.equal(sim.overlaps, 1);
        assert.deepEqual(sim.requests.map((r) => r.overlap), [false, true]);
        // one at a time: no overlap
        sim.resetStats();
        raw.write(readRequest(framing, 1, 100, 1));
        await raw.receive(replyBytes);
        raw.write(readRequest(framing, 1, 100, 1));
        await raw.receive(replyBytes);
        assert.equal(sim.overlaps, 0);
      } finally {
        await raw.close();
      }
    });

    it(framing === 'rtu' ? 'counts a request sent sooner than t3.5 after a reply as early' : 'does not count early requests on Modbus TCP', async () => {
      // 300 baud: t3.5 is 117 ms, so "at once" (two pty relays and this process's turns) is early
      // even on a busy machine; each reply takes ~620 ms of modelled wire time
      const slow = await startModbusSlave(bank(), transport, { baudRate: 300, turnaroundMs: 0 });
      const raw = await connectRaw(slow, transport);
      try {
        const replyBytes = framing === 'rtu' ? 7 : 11;
        raw.write(readRequest(framing, 1, 100, 1));
        await raw.receive(replyBytes, 5000);
        raw.write(readRequest(framing, 1, 100, 1)); // at once
        await raw.receive(replyBytes, 5000);
        await new Promise((r) => setTimeout(r, slow.wire.t35Ms + 5));
        raw.write(readRequest(framing, 1, 100, 1)); // after the silence
        await raw.receive(replyBytes, 5000);
        const expected = framing === 'rtu' ? [false, true, false] : [false, false, false];
        assert.deepEqual(slow.requests.map((r) => r.early), expected);
        assert.equal(slow.earlyRequests, framing === 'rtu' ? 1 : 0);
        slow.resetStats();
        assert.equal(slow.earlyRequests, 0);
        assert.equal(slow.requests.length, 0);
      } finally {
        await raw.close();
        await slow.close();
      }
    });

    it('keeps serving after the client closes and reconnects', async () => {
      client = await connectClient(sim, transport);
      client.setID(1);
      assert.deepEqual((await client.readHoldingRegisters(100, 1)).data, [10]);
      await closeClient(client);
      client = await connectClient(sim, transport);
      client.setID(1);
      assert.deepEqual((await client.readHoldingRegisters(101, 1)).data, [11]);
    });

    it('comes back after unplug and replug', async () => {
      client = await connectClient(sim, transport, 300);
      client.setID(1);
      await sim.unplug();
      if (transport.transport === 'pty') assert.equal(fs.existsSync(sim.clientPath as string), false);
      await closeClient(client);
      await sim.replug();
      client = await connectClient(sim, transport);
      client.setID(1);
      assert.deepEqual((await client.readHoldingRegisters(100, 2)).data, [10, 11]);
    });

    it('releases its port on close', async () => {
      const clientPath = sim.clientPath;
      const port = sim.port;
      await sim.close();
      if (transport.transport === 'pty') assert.equal(fs.existsSync(clientPath as string), false);
      else {
        const err = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
          const socket = net.connect(port as number, '127.0.0.1');
          socket.once('connect', () => { socket.destroy(); resolve(undefined); });
          socket.once('error', resolve);
        });
        assert.equal(err?.code, 'ECONNREFUSED');
      }
    });
  });
}

describe('sim/modbusSlave faults', () => {
  it('fires a probability fault on its share of requests, with an injected random source', async () => {
    let n = 0;
    const sim = await startModbusSlave(bank(), { transport: 'tcp', framing: 'modbus-tcp' }, { ...TIMING, turnaroundMs: 0, random: () => (n++ % 4) / 4 });
    const transport = { transport: 'tcp', framing: 'modbus-tcp' } as const;
    const client = await connectClient(sim, transport);
    try {
      client.setID(1);
      sim.injectFault('exception', { probability: 0.5 });
      const outcomes: string[] = [];
      for (let i = 0; i < 8; i++) {
        outcomes.push(await client.readHoldingRegisters(100, 1).then(() => 'ok', (e: { modbusCode?: number }) => `ex${e.modbusCode}`));
      }
      // random yields 0, .25, .5, .75, …: below 0.5 fires
      assert.deepEqual(outcomes, ['ex4', 'ex4', 'ok', 'ok', 'ex4', 'ex4', 'ok', 'ok']);
    } finally {
      await closeClient(client);
      await sim.close();
    }
  });

  it('answers modbus-serial\'s connectTcpRTUBuffered client (Modbus TCP framing)', async () => {
    const sim = await startModbusSlave(bank(), { transport: 'tcp', framing: 'modbus-tcp' }, TIMING);
    const client = new ModbusRTU();
    try {
      await client.connectTcpRTUBuffered('127.0.0.1', { port: sim.port as number });
      client.setTimeout(500);
      client.setID(2);
      assert.deepEqual((await client.readHoldingRegisters(100, 3)).data, [20, 21, 22]);
    } finally {
      await closeClient(client);
      await sim.close();
    }
  });

  it('serves several TCP connections at once', async () => {
    const transport = { transport: 'tcp', framing: 'modbus-tcp' } as const;
    const sim = await startModbusSlave(bank(), transport, TIMING);
    const a = await connectClient(sim, transport);
    const b = await connectClient(sim, transport);
    try {
      a.setID(1);
      b.setID(2);
      const [ra, rb] = await Promise.all([a.readHoldingRegisters(100, 1), b.readHoldingRegisters(100, 1)]);
      assert.deepEqual([ra.data, rb.data], [[10], [20]]);
      assert.equal(new Set(sim.requests.map((r) => r.stream)).size, 2);
    } finally {
      await closeClient(a);
      await closeClient(b);
      await sim.close();
    }
  });
});
