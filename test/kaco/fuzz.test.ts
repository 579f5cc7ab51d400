import * as assert from 'node:assert/strict';
import { FrameExtractor, type ExtractorOutcome, type ReplyExpectation } from '../../lib/kaco/frameExtractor';
import type { KacoReply } from '../../lib/kaco/frames';
import { layoutOffsets, STANDARD_LAYOUTS } from '../../lib/kaco/standardLayouts';
import type { KacoCommand } from '../../lib/kaco/commands';
import { CAPTURES, CHECKSUM_IS, GENERIC_COSPHI_I, SPEC_EXAMPLE, TYPE_CHECK_IS_CR, byteSum, latin1, seededRandom, standardFrame, x25 } from './frameBytes';

const SEED = 0x4b41434f; // "KACO"
const RUNS = 100_000;

/** Valid frames to mutate, each with the request it answers. */
const VALID: { bytes: Buffer; expect: ReplyExpectation }[] = [
  { bytes: SPEC_EXAMPLE, expect: { address: 3, command: '0' } },
  ...Object.values(CHECKSUM_IS).map((bytes) => ({ bytes, expect: { address: 3, command: '0' as KacoCommand } })),
  { bytes: CAPTURES.xi2, expect: { address: 2, command: '0' } },
  { bytes: CAPTURES.xi4, expect: { address: 4, command: '0' } },
  { bytes: CAPTURES.tl3, expect: { address: 3, command: '0' } },
  { bytes: GENERIC_COSPHI_I, expect: { address: 3, command: '0' } },
  { bytes: CAPTURES.yieldXi, expect: { address: 2, command: '3' } },
  { bytes: CAPTURES.yieldTl3, expect: { address: 3, command: '3' } },
  { bytes: CAPTURES.type6400xi, expect: { address: 2, command: '9' } },
  { bytes: CAPTURES.typeTl3, expect: { address: 3, command: '9' } },
  { bytes: TYPE_CHECK_IS_CR, expect: { address: 1, command: '9' } },
  { bytes: CAPTURES.serialTl3, expect: { address: 1, command: 's' } },
  { bytes: CAPTURES.firmwareXi, expect: { address: 2, command: '8' } },
  { bytes: standardFrame('*071   5 612.3 10.25   6275 231.0 25.90   5982 48  41234 ', ' 10k1\r'), expect: { address: 7, command: '1' } },
];

/** Independently: does an accepted reply's own frame pass its checksum or CRC? */
function passesItsCheck(reply: KacoReply): boolean {
  const raw = reply.raw;
  switch (reply.shape) {
    case 'standard':
    case 'standard000xi': {
      const at = layoutOffsets(STANDARD_LAYOUTS[reply.shape]).checksumAt;
      return raw.length > at && byteSum(raw.subarray(0, at)) === raw[at];
    }
    case 'type':
      return byteSum(raw.subarray(0, raw.length - 2)) === raw[raw.length - 2];
    case 'generic':
    case 'serial': {
      const sent = parseInt(raw.subarray(raw.length - 5, raw.length - 1).toString('latin1'), 16);
      return x25(raw.subarray(0, raw.length - 5)) === sent;
    }
    default:
      return true; // command 3, 8 and the 000xi marker carry no check
  }
}

function run(extractor: FrameExtractor, bytes: Buffer, rnd: () => number): ExtractorOutcome {
  let at = 0;
  while (at < bytes.length) {
    const n = 1 + Math.floor(rnd() * Math.max(1, bytes.length - at));
    extractor.push(bytes.subarray(at, at + n));
    at += n;
  }
  return extractor.finish();
}

function mutate(src: Buffer, rnd: () => number): Buffer {
  const bytes = [...src];
  const edits = 1 + Math.floor(rnd() * 3);
  for (let e = 0; e < edits; e++) {
    const pos = Math.floor(rnd() * (bytes.length + 1));
    switch (Math.floor(rnd() * 7)) {
      case 0: // flip bits
        if (pos < bytes.length) bytes[pos] ^= 1 + Math.floor(rnd() * 255);
        break;
      case 1: // insert a random byte
        bytes.splice(pos, 0, Math.floor(rnd() * 256));
        break;
      case 2: // delete
        bytes.splice(pos, 1);
        break;
      case 3: // truncate
        bytes.length = Math.min(bytes.length, pos);
        break;
      case 4: // glitch zeros
        bytes.splice(pos, 0, ...new Array(1 + Math.floor(rnd() * 4)).fill(0));
        break;
      case 5: // a byte that frames care about
        if (pos < bytes.length) bytes[pos] = [0x0a, 0x0d, 0x20, 0x2a, 0x00, 0x30][Math.floor(rnd() * 6)];
        break;
      default: // a digit changed to another digit (the change a sum is weakest against)
        if (pos < bytes.length && bytes[pos] >= 0x30 && bytes[pos] <= 0x39) bytes[pos] = 0x30 + Math.floor(rnd() * 10);
    }
  }
  return Buffer.from(bytes);
}

function randomBytes(rnd: () => number): Buffer {
  const n = Math.floor(rnd() * 160);
  const alphabet = latin1('\n\r *0123456789. xin0');
  return Buffer.from(Array.from({ length: n }, () => (rnd() < 0.5 ? alphabet[Math.floor(rnd() * alphabet.length)] : Math.floor(rnd() * 256))));
}

describe('kaco codec fuzz', function () {
  this.timeout(120000);

  it(`${RUNS} random and mutated frames: no exception escapes, nothing failing its check is accepted`, () => {
    const rnd = seededRandom(SEED);
    const commands: KacoCommand[] = ['0', '1', '3', '8', '9', 's'];
    let accepted = 0;
    let checked = 0;
    let unchangedAccepted = 0;
    for (let k = 0; k < RUNS; k++) {
      const base = VALID[Math.floor(rnd() * VALID.length)];
      let bytes: Buffer;
      let expect: ReplyExpectation;
      const kind = rnd();
      if (kind < 0.15) {
        bytes = randomBytes(rnd);
        expect = { address: 1 + Math.floor(rnd() * 32), command: commands[Math.floor(rnd() * commands.length)] };
      } else if (kind < 0.2) {
        bytes = base.bytes;
        expect = base.expect;
      } else {
        bytes = mutate(base.bytes, rnd);
        expect = base.expect;
      }
      const outcome = run(new FrameExtractor(expect), bytes, rnd);
      if (outcome.kind !== 'reply') {
        assert.ok(bytes !== base.bytes, `an unchanged valid frame was refused: ${bytes.toString('hex')} -> ${JSON.stringify(outcome)}`);
        continue;
      }
      accepted += 1;
      const reply = outcome.reply;
      if (bytes === base.bytes) unchangedAccepted += 1;
      assert.ok(reply.address === undefined || reply.address === expect.address, `reply for address ${reply.address} accepted for ${expect.address}`);
      if (reply.shape !== 'yield' && reply.shape !== 'firmware' && reply.shape !== 'family000xi') checked += 1;
      assert.ok(passesItsCheck(reply), `accepted a frame failing its check: ${reply.raw.toString('hex')} from ${bytes.toString('hex')}`);
      if ('fields' in reply) for (const [name, v] of Object.entries(reply.fields)) assert.ok(typeof v === 'string' || Number.isFinite(v), `${name} = ${v}`);
    }
    // the run must exercise acceptance too, or it proves nothing
    assert.ok(unchangedAccepted > RUNS * 0.04, `only ${unchangedAccepted} unchanged frames accepted`);
    assert.ok(checked > RUNS * 0.05, `only ${checked} checked frames accepted of ${accepted}`);
  });
});
