/**
 * Seeded fuzz of the Bluetooth L1 reader and L2 decoder as the sources use them
 * (BluetoothDecoder), and of the Speedwire and record decoders: a stream of real frames with
 * bit errors, inserted and lost bytes, cut at random chunk boundaries. Nothing throws, and every
 * packet accepted is one that was sent: a frame whose FCS does not match its content is never
 * taken. Repeatable by its seed; well under 3 s.
 */
import assert from 'node:assert/strict';
import { encodeL1, L1Reader } from '../../lib/sma/bluetoothL1';
import { l1PacketsFor } from '../../lib/sma/bluetoothL2Assembly';
import { decodeL2Frame } from '../../lib/sma/bluetoothL2Frame';
import { BluetoothDecoder } from '../../lib/sma/bluetoothCarrier';
import { encodeData2, type Data2Packet } from '../../lib/sma/data2Packet';
import { decodeRecords } from '../../lib/sma/data2Records';
import { decodeSpeedwire, encodeSpeedwire } from '../../lib/sma/speedwire';
import { SpeedwireDecoder } from '../../lib/sma/speedwireSource';
import { seededRandom } from '../../lib/sim/seededRandom';

const INVERTER = '00:80:25:1E:2D:3C';
const PC = '00:1A:7D:DA:71:04';
const FRAMES = 1500;
const BUDGET_MS = 3000;

function randomPacket(random: () => number, id: number): Data2Packet {
  const words = Math.floor(random() * 40);
  const payload = Buffer.alloc(words * 4);
  // bytes the stuffing must escape (7E 7D 11 12 13) are frequent on purpose
  const special = [0x7e, 0x7d, 0x11, 0x12, 0x13];
  for (let i = 0; i < payload.length; i++) payload[i] = random() < 0.2 ? special[Math.floor(random() * special.length)] : Math.floor(random() * 256);
  return {
    control: 0x90,
    destination: { susyId: 125, serial: 912345678 },
    control2: 0,
    source: { susyId: 128, serial: 2100000000 + Math.floor(random() * 1e6) },
    error: 0,
    fragment: 0,
    packetId: id & 0x7fff,
    first: true,
    command: 0x51000201,
    payload,
  };
}

/** 1–3 bit flips within 16 bits, a byte inserted, or a byte lost, somewhere in the packet's bytes */
function mutate(bytes: Buffer, random: () => number): Buffer {
  const at = Math.floor(random() * bytes.length);
  const kind = random();
  if (kind < 0.6) {
    const out = Buffer.from(bytes);
    const flips = 1 + Math.floor(random() * 3);
    for (let f = 0; f < flips; f++) {
      const bit = at * 8 + Math.floor(random() * 16);
      if (bit < out.length * 8) out[bit >> 3] ^= 1 << (bit & 7);
    }
    return out;
  }
  if (kind < 0.8) return Buffer.concat([bytes.subarray(0, at), Buffer.from([Math.floor(random() * 256)]), bytes.subarray(at)]);
  return Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1)]);
}

describe('SMAData2+ decoders, seeded fuzz', function () {
  this.timeout(10000);

  it(`Bluetooth: ${FRAMES} frames with errors, any chunking — nothing thrown, nothing accepted that was not sent`, () => {
    const started = performance.now();
    const random = seededRandom(15);
    const sent = new Set<string>();
    const pieces: Buffer[] = [];
    let intact = 0;
    for (let k = 0; k < FRAMES; k++) {
      const packet = randomPacket(random, k + 1);
      sent.add(encodeData2(packet).toString('hex'));
      const bytes = Buffer.concat(l1PacketsFor(packet, INVERTER, PC).map(encodeL1));
      if (random() < 0.5) pieces.push(mutate(bytes, random));
      else {
        pieces.push(bytes);
        intact += 1;
      }
    }
    const stream = Buffer.concat(pieces);
    const decoder = new BluetoothDecoder();
    let accepted = 0;
    let refusedFcs = 0;
    for (let at = 0; at < stream.length; ) {
      const n = 1 + Math.floor(random() * 90);
      for (const arrival of decoder.push(stream.subarray(at, at + n))) {
        if (arrival.kind === 'packet') {
          accepted += 1;
          assert.ok(sent.has(encodeData2(arrival.packet).toString('hex')), `accepted a packet that was never sent (id ${arrival.packet.packetId})`);
        } else if (arrival.badCheck) refusedFcs += 1;
      }
      at += n;
    }
    assert.ok(accepted >= intact * 0.8, `accepted ${accepted} of ${intact} intact frames`);
    assert.ok(refusedFcs > FRAMES / 10, `refused ${refusedFcs} frames for their FCS`);
    assert.ok(performance.now() - started < BUDGET_MS, `took ${(performance.now() - started).toFixed(0)} ms`);
  });

  it('random bytes into the L1 reader, the L2 frame decoder, Speedwire and the record decoder: verdicts, never exceptions', () => {
    const started = performance.now();
    const random = seededRandom(16);
    const reader = new L1Reader();
    const bt = new BluetoothDecoder();
    const sw = new SpeedwireDecoder();
    const sample = encodeSpeedwire(randomPacket(random, 7));
    for (let k = 0; k < 4000; k++) {
      const junk = Buffer.alloc(Math.floor(random() * 120));
      for (let i = 0; i < junk.length; i++) junk[i] = random() < 0.1 ? 0x7e : Math.floor(random() * 256);
      reader.push(junk);
      bt.push(junk);
      const frame = Buffer.concat([Buffer.from([0x7e]), junk, Buffer.from([0x7e])]);
      const l2 = decodeL2Frame(frame);
      if (l2.ok) decodeRecords(l2.value);
      sw.push(junk);
      const datagram = mutate(sample, random);
      const decoded = decodeSpeedwire(datagram);
      if (decoded.ok && decoded.value.kind === 'data2') decodeRecords(decoded.value.packet);
    }
    assert.ok(performance.now() - started < BUDGET_MS, `took ${(performance.now() - started).toFixed(0)} ms`);
  });
});
