import * as assert from 'node:assert/strict';
import { Data1FrameReader, type Data1ReaderEvent } from '../../lib/sma/data1FrameReader';
import { encodeData1, type Data1Packet } from '../../lib/sma/data1Packet';
import { encodeSmanet } from '../../lib/sma/smanetFrame';
import { encodeSunnynet } from '../../lib/sma/sunnynetFrame';
import { SmaData1Device } from '../../lib/sim/smaData1Device';
import { fcsBitwise, seededRandom, unstuff } from './smaBytes';

const SEED = 0x534d4131; // "SMA1"
const RUNS = 30000;

/** Valid frames to mutate: requests and answers of both framings, with bytes that need stuffing. */
function validFrames(): Buffer[] {
  const device = new SmaData1Device({ serial: 0x7e7d1112, address: 0x7d });
  const list = device.channelListBytes();
  const packets: Data1Packet[] = [
    { source: 0, destination: 0, control: 0x80, counter: 0, command: 6, data: Buffer.alloc(0) },
    { source: 0x7d, destination: 0, control: 0x40, counter: 0, command: 6, data: Buffer.from('121111007E53422033303030', 'hex') },
    { source: 0, destination: 0x7d, control: 0, counter: 2, command: 9, data: Buffer.alloc(0) },
    { source: 0x7d, destination: 0, control: 0x40, counter: 1, command: 9, data: list.subarray(0, 255) },
    { source: 0x7d, destination: 0, control: 0x40, counter: 0, command: 11, data: device.dataBytes(0x090f, 0, device.snapshot(12), 1700000000) as Buffer },
  ];
  return packets.flatMap((p) => [encodeSmanet(p), encodeSunnynet(p, true), encodeSunnynet(p, false)]);
}

/** Independently of lib/sma: does the frame an event accepted pass its own check? */
function passesItsCheck(event: Extract<Data1ReaderEvent, { kind: 'packet' }>): boolean {
  const raw = event.raw;
  if (event.framing === 'smanet') {
    if (raw[0] !== 0x7e || raw[raw.length - 1] !== 0x7e) return false;
    const inner = unstuff(raw.subarray(1, raw.length - 1));
    const end = inner.length - 2;
    const ok = fcsBitwise(inner.subarray(0, end)) === (inner[end] | (inner[end + 1] << 8));
    return ok && inner[0] === 0xff && inner[1] === 0x03 && inner[2] === 0x40 && inner[3] === 0x41 && encodeData1(event.packet).equals(inner.subarray(4, end));
  }
  const n = raw[1];
  if (raw[0] !== 0x68 || raw[3] !== 0x68 || raw[2] !== n || raw.length !== 4 + 7 + n + 3 || raw[raw.length - 1] !== 0x16) return false;
  let sum = 0;
  for (let i = 4; i < raw.length - 3; i++) sum += raw[i];
  return (sum & 0xffff) === (raw[raw.length - 3] | (raw[raw.length - 2] << 8)) && encodeData1(event.packet).equals(raw.subarray(4, raw.length - 3));
}

function mutate(frame: Buffer, random: () => number): Buffer {
  const out = [...frame];
  const edits = 1 + Math.floor(random() * 3);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(random() * out.length);
    const kind = random();
    if (kind < 0.5) out[at] ^= 1 << Math.floor(random() * 8);
    else if (kind < 0.7) out.splice(at, 1);
    else if (kind < 0.85) out.splice(at, 0, Math.floor(random() * 256));
    else out[at] = [0x7e, 0x7d, 0x68, 0x16, 0xaa][Math.floor(random() * 5)];
  }
  return Buffer.from(out);
}

describe('SMA Data1 reader fuzz (seeded)', () => {
  it('never throws and never accepts a frame that fails its FCS or sum, whatever the bytes', function () {
    this.timeout(10000);
    const started = performance.now();
    const random = seededRandom(SEED);
    const frames = validFrames();
    let accepted = 0;
    let refused = 0;
    for (let run = 0; run < RUNS; run++) {
      const reader = new Data1FrameReader();
      const pieces: Buffer[] = [];
      const count = 1 + Math.floor(random() * 4);
      for (let k = 0; k < count; k++) {
        const frame = frames[Math.floor(random() * frames.length)];
        const r = random();
        if (r < 0.6) pieces.push(mutate(frame, random));
        else if (r < 0.8) pieces.push(frame);
        else pieces.push(Buffer.from(Array.from({ length: Math.floor(random() * 40) }, () => Math.floor(random() * 256))));
      }
      const stream = Buffer.concat(pieces);
      for (let at = 0; at < stream.length; ) {
        const step = 1 + Math.floor(random() * 64);
        let events: Data1ReaderEvent[] = [];
        assert.doesNotThrow(() => {
          events = reader.push(stream.subarray(at, at + step));
        }, `run ${run}`);
        for (const event of events) {
          if (event.kind === 'rejected') {
            refused += 1;
            continue;
          }
          accepted += 1;
          // (a changed frame may still pass: SunnyNet's 16-bit sum misses some changes — then it is consistent with its own sum)
          assert.ok(passesItsCheck(event), `run ${run}: accepted ${event.raw.toString('hex')} fails its own check`);
        }
        at += step;
      }
    }
    // the fuzz reached both sides of the check
    assert.ok(accepted > RUNS / 4, `accepted ${accepted}, refused ${refused}`);
    assert.ok(refused > RUNS / 4, `accepted ${accepted}, refused ${refused}`);
    assert.ok(performance.now() - started < 3000, `${(performance.now() - started).toFixed(0)} ms`);
  });
});
