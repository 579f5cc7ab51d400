import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { DATA1_COMMANDS, MASK_SPOT } from '../../lib/sma/data1Commands';
import { Data1FrameReader, type Data1Framing } from '../../lib/sma/data1FrameReader';
import type { Data1Packet } from '../../lib/sma/data1Packet';
import { encodeSmanet } from '../../lib/sma/smanetFrame';
import { encodeSunnynet } from '../../lib/sma/sunnynetFrame';
import { SmaData1Sim } from '../../lib/sim/smaData1Sim';
import { waitFor } from '../support/waitFor';

const CHAR_MS = 10_000 / 1200;

/** A raw TCP line to the simulator: frames sent by hand, packets read back with their arrival time. */
async function rawLine(sim: SmaData1Sim): Promise<{
  send(p: Data1Packet, framing?: Data1Framing): number;
  next(count?: number, ms?: number): Promise<{ packet: Data1Packet; framing: Data1Framing; at: number; bytes: number }[]>;
  /** frames refused on their FCS or sum so far */
  readonly badChecks: number;
  close(): Promise<void>;
}> {
  const socket = net.connect(sim.port as number, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.setNoDelay(true);
  const reader = new Data1FrameReader();
  const got: { packet: Data1Packet; framing: Data1Framing; at: number; bytes: number }[] = [];
  let badChecks = 0;
  socket.on('data', (chunk: Buffer) => {
    for (const e of reader.push(chunk)) {
      if (e.kind === 'packet') got.push({ packet: e.packet, framing: e.framing, at: performance.now(), bytes: e.raw.length });
      else if (e.badCheck) badChecks += 1;
    }
  });
  return {
    get badChecks() {
      return badChecks;
    },
    send(p, framing = 'smanet') {
      const frame = framing === 'smanet' ? encodeSmanet(p) : encodeSunnynet(p, true);
      socket.write(frame);
      return frame.length;
    },
    async next(count = 1, ms = 10000) {
      await waitFor(() => got.length >= count, ms, `${count} packets`);
      return got.splice(0, count);
    },
    close: () => new Promise<void>((resolve) => socket.end(() => resolve())),
  };
}

const request = (destination: number, command: number, data: Buffer = Buffer.alloc(0), counter = 0): Data1Packet => ({ source: 0, destination, control: 0, counter, command, data });
const broadcast = (command: number, data: Buffer = Buffer.alloc(0)): Data1Packet => ({ source: 0, destination: 0, control: 0x80, counter: 0, command, data });
const spotMask = (): Buffer => Buffer.from([MASK_SPOT & 0xff, MASK_SPOT >> 8, 0]);

describe('SMA Data1 simulator (raw TCP line)', function () {
  this.timeout(30000);
  let hours = 12;
  let sim: SmaData1Sim;

  beforeEach(async () => {
    hours = 12;
    sim = await SmaData1Sim.start({
      endpoint: { transport: 'tcp' },
      devices: [
        { serial: 11, address: 1 },
        { serial: 12, address: 2, framings: ['sunnynet'] },
        { serial: 13, address: 3 },
      ],
      latencyMs: 30,
      broadcastPauseMs: [70, 300],
      timeOfDay: () => hours,
    });
  });

  afterEach(() => sim.close());

  it('answers a telegram only after the request and reply bytes at 1200 baud plus its turnaround', async () => {
    const line = await rawLine(sim);
    try {
      const sentAt = performance.now();
      const requestBytes = line.send(request(1, DATA1_COMMANDS.getData.code, spotMask()));
      const [reply] = await line.next();
      const modelled = (requestBytes + reply.bytes) * CHAR_MS + 30;
      assert.ok(reply.at - sentAt >= modelled - 1, `${(reply.at - sentAt).toFixed(1)} ms, modelled ${modelled.toFixed(1)} ms`);
      assert.equal(reply.packet.source, 1);
      assert.equal(reply.packet.control & 0x40, 0x40, 'answer bit');
    } finally {
      await line.close();
    }
  });

  it('sends its channel list in telegrams of ≤ 255 bytes, counting down as the master asks for each', async () => {
    const line = await rawLine(sim);
    try {
      line.send(request(1, DATA1_COMMANDS.getChannelInfo.code));
      let [t] = await line.next();
      const parts = [t.packet.data];
      const counters = [t.packet.counter];
      while (t.packet.counter > 0) {
        line.send(request(1, DATA1_COMMANDS.getChannelInfo.code, Buffer.alloc(0), t.packet.counter));
        [t] = await line.next();
        assert.ok(t.packet.data.length <= 255);
        parts.push(t.packet.data);
        counters.push(t.packet.counter);
      }
      assert.ok(counters.length > 1, 'more than one telegram');
      assert.deepEqual(counters, counters.map((_, k) => counters.length - 1 - k), 'counters count down to 0');
      assert.deepEqual(Buffer.concat(parts), sim.bySerial(11).channelListBytes());
    } finally {
      await line.close();
    }
  });

  it('discovery: every device that speaks the framing answers after its pause, one after another, never at once', async () => {
    const line = await rawLine(sim);
    try {
      const requestBytes = line.send(broadcast(DATA1_COMMANDS.getNetStart.code));
      const answers = await line.next(2);
      assert.deepEqual(answers.map((a) => a.packet.data.readUInt32LE(0)).sort(), [11, 13], 'the SunnyNet-only device stays quiet to SMANet');
      const [first] = answers;
      const record = sim.requests.find((r) => r.command === DATA1_COMMANDS.getNetStart.code);
      assert.ok(record);
      // on the modelled line (what arrives here may be late by this process's own lag, never early)
      const [a, b] = record.schedule;
      assert.ok(a.startAt >= record.arrivedAt + requestBytes * CHAR_MS + 70 - 0.001, 'after the request and its pause');
      assert.ok(b.startAt >= a.doneAt, `the second answer begins (${b.startAt.toFixed(1)}) once the first has ended (${a.doneAt.toFixed(1)})`);
      assert.deepEqual(
        answers.map((x) => x.packet.data.readUInt32LE(0)),
        record.schedule.map((x) => x.serial),
        'they arrive in that order',
      );
      assert.ok(first.at - record.arrivedAt >= (requestBytes + first.bytes) * CHAR_MS + 70 - 1);
      line.send(broadcast(DATA1_COMMANDS.getNetStart.code), 'sunnynet');
      const sn = await line.next(3);
      assert.deepEqual(
        sn.map((a) => a.framing),
        ['sunnynet', 'sunnynet', 'sunnynet'],
        'answered in the framing asked',
      );
      assert.deepEqual(sn.map((a) => a.packet.data.readUInt32LE(0)).sort(), [11, 12, 13], 'the devices that speak both answer SunnyNet too');
    } finally {
      await line.close();
    }
  });

  it('CMD_SYN_ONLINE freezes the values CMD_GET_DATA then sends, with the broadcast time', async () => {
    const line = await rawLine(sim);
    try {
      const time = Buffer.alloc(4);
      time.writeUInt32LE(1_750_000_000);
      line.send(broadcast(DATA1_COMMANDS.syncOnline.code, time));
      await waitFor(() => sim.frozen(13) !== undefined, 5000, 'the freeze');
      assert.deepEqual(sim.frozen(13)?.fields, sim.snapshot(13).fields);
      hours = 14; // the sun moves on; the frozen values do not
      line.send(request(3, DATA1_COMMANDS.getData.code, spotMask()));
      const [reply] = await line.next();
      assert.equal(reply.packet.data.readUInt32LE(5), 1_750_000_000);
      assert.notDeepEqual(sim.frozen(13)?.fields, sim.snapshot(13).fields);
    } finally {
      await line.close();
    }
  });

  it('is silent at night: requests are recorded, no device answers', async () => {
    hours = 23;
    const line = await rawLine(sim);
    try {
      line.send(broadcast(DATA1_COMMANDS.getNetStart.code));
      line.send(request(1, DATA1_COMMANDS.getData.code, spotMask()));
      await waitFor(() => sim.requests.length === 2, 5000, 'both requests at the simulator');
      // decided when the request arrives: nothing is scheduled to answer
      assert.deepEqual(
        sim.requests.map((r) => r.answeredBy),
        [[], []],
      );
    } finally {
      await line.close();
    }
  });

  it('faults: a bad FCS is refused by a reader, no-answer sends nothing', async () => {
    const line = await rawLine(sim);
    try {
      sim.injectFault('bad-crc', { serial: 11, count: 1 });
      line.send(request(1, DATA1_COMMANDS.getData.code, spotMask()));
      await waitFor(() => sim.requests.length === 1);
      sim.injectFault('no-answer', { serial: 11, count: 1 });
      line.send(request(1, DATA1_COMMANDS.getData.code, spotMask()));
      await waitFor(() => sim.requests.length === 2);
      line.send(request(1, DATA1_COMMANDS.getData.code, spotMask()));
      // only the third is a packet; the first was refused on its FCS, the second never sent
      const [good] = await line.next();
      assert.equal(good.packet.command, DATA1_COMMANDS.getData.code);
      assert.equal(line.badChecks, 1, 'the first reply failed its FCS');
      assert.deepEqual(
        sim.requests.map((r) => r.fault),
        ['bad-crc', 'no-answer', null],
      );
    } finally {
      await line.close();
    }
  });
});
