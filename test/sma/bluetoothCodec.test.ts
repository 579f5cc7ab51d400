import * as assert from 'node:assert/strict';
import { decodeL1, encodeL1, L1Reader, BT_BROADCAST, BT_ZERO, addressBytes } from '../../lib/sma/bluetoothL1';
import { decodeL2Frame, encodeL2Frame } from '../../lib/sma/bluetoothL2Frame';
import { L2Assembler, l1PacketsFor } from '../../lib/sma/bluetoothL2Assembly';
import { decodeData2, encodeData2 } from '../../lib/sma/data2Packet';
import { decodeRecords } from '../../lib/sma/data2Records';
import { fcs16 } from '../../lib/sma/fcs16';
import { encodePassword, queryPacket } from '../../lib/sma/logon';
import { DATA2_QUERIES } from '../../lib/sma/lriTable';
import { BT_QUERY_535, BT_REPLY_535, HELLO_441, HELLO_687, LOGON_REFUSED_441, fcsBitwise, fcsRaw, hex, unstuff } from './smaBytes';

const PC = '00:1A:7D:DA:71:04';
const INVERTER = '00:80:25:09:9B:41';
const must = <T>(p: { ok: true; value: T } | { ok: false; reason: string }): T => {
  if (!p.ok) assert.fail(p.reason);
  return p.value;
};

describe('SMA FCS-16 (PPP, CRC-16/X-25)', () => {
  it('gives the catalogue check value 0x906E for "123456789" and agrees with the bitwise form', () => {
    assert.equal(fcs16(Buffer.from('123456789')), 0x906e);
    for (const frame of [BT_QUERY_535.subarray(18), BT_REPLY_535.subarray(18)]) {
      const inner = unstuff(frame.subarray(1, frame.length - 1));
      assert.equal(fcs16(inner, 0, inner.length - 2), fcsBitwise(inner.subarray(0, inner.length - 2)));
      assert.equal(fcsRaw(inner), 0xf0b8, 'RFC 1662 good-FCS residue over data + FCS');
    }
  });
});

describe('SMA Bluetooth level 1', () => {
  it('decodes SBFspot #535 query and reply: length, check byte, reversed addresses, command', () => {
    const q = must(decodeL1(BT_QUERY_535));
    assert.deepEqual([q.source, q.destination, q.command, q.payload.length], [PC, BT_BROADCAST, 0x0001, 64 - 18]);
    const r = must(decodeL1(BT_REPLY_535));
    assert.deepEqual([r.source, r.destination, r.command], [INVERTER, PC, 0x0001]);
    assert.deepEqual(addressBytes(INVERTER), hex('419B09258000'), 'sheet §2.2 example');
  });

  it('re-encodes the hellos of #441 and #687 byte for byte; NetID is byte 22', () => {
    for (const [bytes, netId] of [[HELLO_441, 1], [HELLO_687, 2]] as const) {
      const p = must(decodeL1(bytes));
      assert.equal(p.command, 0x0002);
      assert.equal(p.destination, BT_ZERO);
      assert.equal(bytes[22], netId);
      assert.equal(p.payload[4], netId);
      assert.deepEqual(encodeL1(p), bytes);
    }
  });

  it('refuses a wrong check byte and a length outside bounds', () => {
    const bad = Buffer.from(HELLO_441);
    bad[3] ^= 0x01;
    const r = decodeL1(bad);
    assert.ok(!r.ok && r.badCheck);
    const short = Buffer.from(HELLO_441);
    short[1] = 5;
    short[3] = short[0] ^ short[1] ^ short[2];
    assert.ok(!decodeL1(short).ok);
  });

  it('cuts packets from a stream split anywhere, with noise before and between', () => {
    const stream = Buffer.concat([hex('00 13 AA'), HELLO_441, hex('7E 00'), BT_REPLY_535, HELLO_687]);
    for (const step of [1, 3, 17, stream.length]) {
      const reader = new L1Reader();
      const packets = [];
      for (let at = 0; at < stream.length; at += step) for (const e of reader.push(stream.subarray(at, at + step))) if (e.kind === 'packet') packets.push(e.packet);
      assert.deepEqual(packets.map((p) => p.command), [2, 1, 2], `step ${step}`);
      assert.equal(reader.midPacket, false);
    }
  });
});

describe('SMAData2+ over Bluetooth', () => {
  it('decodes #535 query: addresses, packet id, command, LRI range', () => {
    const l2 = must(decodeL2Frame(must(decodeL1(BT_QUERY_535)).payload));
    assert.equal(l2.control, 0xa0);
    assert.deepEqual(l2.destination, { susyId: 78, serial: 0x7d2c62e5 });
    assert.deepEqual(l2.source, { susyId: 125, serial: 0x35580c8c });
    assert.deepEqual([l2.packetId, l2.first, l2.command, l2.error, l2.fragment], [0x0e, true, 0x54000200, 0, 0]);
    assert.deepEqual([l2.payload.readUInt32LE(0), l2.payload.readUInt32LE(4)], [DATA2_QUERIES.operatingTime.first, DATA2_QUERIES.operatingTime.last]);
  });

  it('builds the #535 query byte for byte (stuffed 7D in the serial and SUSyID)', () => {
    const q = DATA2_QUERIES.operatingTime;
    const packet = queryPacket({ susyId: 125, serial: 0x35580c8c }, { susyId: 78, serial: 0x7d2c62e5 }, 0x0e, q.command, q.first, q.last);
    const [l1] = l1PacketsFor(packet, PC, BT_BROADCAST);
    assert.deepEqual(encodeL1(l1), BT_QUERY_535);
  });

  it('decodes the #535 reply (its length byte and FCS arrive stuffed) into two U64 records', () => {
    const l2 = must(decodeL2Frame(must(decodeL1(BT_REPLY_535)).payload));
    assert.equal(l2.command, 0x54000201, 'reply = request + 1');
    assert.equal(l2.packetId, 0x0e);
    const records = must(decodeRecords(l2));
    assert.deepEqual(
      records.map((r) => [r.lri, r.cls, r.time, r.value]),
      [
        [0x462e, 1, 0x08313995, 0x0b7b9a97],
        [0x462f, 1, 0x08313995, 0x0b175d0a],
      ],
    );
  });

  it('refuses the reply with any one byte of its L2 frame changed', () => {
    const frame = must(decodeL1(BT_REPLY_535)).payload;
    let refused = 0;
    for (let i = 1; i < frame.length - 1; i++) {
      const bad = Buffer.from(frame);
      bad[i] ^= 0x04;
      const r = decodeL2Frame(bad);
      if (!r.ok) refused++;
      else assert.fail(`accepted with byte ${i} changed`);
    }
    assert.equal(refused, frame.length - 2);
  });

  it('decodes the refused logon of #441: error 0x0100, user group, password "0000" echoed, FCS CE C9', () => {
    const inner = LOGON_REFUSED_441.subarray(1, LOGON_REFUSED_441.length - 1);
    assert.equal(fcs16(inner, 0, inner.length - 2), 0xc9ce);
    const p = must(decodeData2(inner.subarray(4, inner.length - 2)));
    assert.deepEqual([p.command, p.error, p.control, p.control2], [0xfffd040d, 0x0100, 0x50, 0x0100]);
    assert.equal(p.payload.readUInt32LE(0), 0x07, 'user group');
    assert.equal(p.payload.readUInt32LE(4), 900, 'session timeout');
    assert.deepEqual(p.payload.subarray(16, 28), encodePassword('0000', 'user'));
    assert.deepEqual(encodePassword('0000', 'user'), hex('B8B8B8B8 8888888888888888'));
    assert.deepEqual(encodeData2(p), inner.subarray(4, inner.length - 2), 'encodes back to the same body');
    assert.deepEqual(must(decodeL2Frame(encodeL2Frame(p))), p, 'round trip through stuffing');
  });

  it('splits a long frame into 0x0008 pieces and a final 0x0001, and assembles it back', () => {
    const p = must(decodeL2Frame(must(decodeL1(BT_REPLY_535)).payload));
    const pieces = l1PacketsFor(p, INVERTER, PC, 20);
    assert.ok(pieces.length > 2);
    assert.ok(pieces.slice(0, -1).every((x) => x.command === 0x0008) && pieces[pieces.length - 1].command === 0x0001);
    const asm = new L2Assembler();
    const results = pieces.map((x) => asm.push(must(decodeL1(encodeL1(x)))));
    assert.ok(results.slice(0, -1).every((x) => x === undefined));
    assert.deepEqual(must(results[results.length - 1] as never), p);
  });
});
