import * as assert from 'node:assert/strict';
import { decodeSpeedwire, encodeSpeedwire, SPEEDWIRE_DISCOVERY } from '../../lib/sma/speedwire';
import { decodeRecords } from '../../lib/sma/data2Records';
import { queryPacket } from '../../lib/sma/logon';
import { DATA2_QUERIES } from '../../lib/sma/lriTable';
import type { Data2Packet } from '../../lib/sma/data2Packet';
import { SPEEDWIRE_QUERY_437_START, hex } from './smaBytes';

describe('Speedwire datagrams', () => {
  it('build a query whose start matches SBFspot #437 (SMA\\0, group 1, length 0x26, 60 65, body)', () => {
    const q = DATA2_QUERIES.typeLabel;
    const packet = queryPacket({ susyId: 125, serial: 929860710 }, { susyId: 0xffff, serial: 0xffffffff }, 1, q.command, q.first, q.last);
    const datagram = encodeSpeedwire(packet);
    assert.deepEqual(datagram.subarray(0, SPEEDWIRE_QUERY_437_START.length), SPEEDWIRE_QUERY_437_START);
    const back = decodeSpeedwire(datagram);
    assert.ok(back.ok && back.value.kind === 'data2');
    assert.deepEqual(back.value.packet, packet);
  });

  it('skips Energy Meter datagrams (protocol 0x6069) and refuses non-Speedwire bytes and cut records', () => {
    const meter = Buffer.concat([hex('534D4100 0004 02A0 00000001 0010 0010 6069'), Buffer.alloc(14), hex('00000000')]);
    const m = decodeSpeedwire(meter);
    assert.ok(m.ok && m.value.kind === 'other' && m.value.protocol === 0x6069);
    assert.ok(!decodeSpeedwire(hex('00112233')).ok);
    assert.ok(!decodeSpeedwire(SPEEDWIRE_QUERY_437_START).ok, 'a datagram cut inside its data record');
    assert.deepEqual(SPEEDWIRE_DISCOVERY.subarray(0, 4), Buffer.from('SMA\0', 'latin1'));
  });
});

describe('SMAData2+ records', () => {
  it('leaves out NaN markers: a single-phase reply carries Pac2/Pac3 = 0x80000000 (#535)', () => {
    const payload = Buffer.alloc(8 + 3 * 28);
    payload.writeUInt32LE(0, 0);
    payload.writeUInt32LE(2, 4);
    const values = [1840, 0x80000000, 0x80000000];
    values.forEach((v, k) => {
      const at = 8 + k * 28;
      payload.writeUInt32LE(0x40000001 | ((0x4640 + k) << 8), at);
      payload.writeUInt32LE(1700000000, at + 4);
      for (let w = 0; w < 4; w++) payload.writeUInt32LE(v, at + 8 + 4 * w);
    });
    const packet: Data2Packet = { control: 0x90, destination: { susyId: 125, serial: 1 }, control2: 0, source: { susyId: 78, serial: 2 }, error: 0, fragment: 0, packetId: 1, first: false, command: 0x51000201, payload };
    const r = decodeRecords(packet);
    assert.ok(r.ok);
    assert.deepEqual(r.value.map((x) => [x.lri, x.value]), [
      [0x4640, 1840],
      [0x4641, undefined],
      [0x4642, undefined],
    ]);
  });
});
