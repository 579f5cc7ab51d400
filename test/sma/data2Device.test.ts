/**
 * The simulated inverter's SMAData2+ answers held against real captures (test/sma/smaBytes.ts):
 * its records against the operating-time reply of SBFspot #535, its logon refusal against the
 * one of SBFspot #441. A simulator that drifted from the device would let the sources pass
 * tests a real inverter fails.
 */
import assert from 'node:assert/strict';
import { decodeL1 } from '../../lib/sma/bluetoothL1';
import { decodeL2Frame } from '../../lib/sma/bluetoothL2Frame';
import { decodeData2 } from '../../lib/sma/data2Packet';
import { logonPacket } from '../../lib/sma/logon';
import { encodeRecords, SmaData2Device } from '../../lib/sim/smaData2Device';
import { BT_REPLY_535, LOGON_REFUSED_441 } from './smaBytes';
import { NOON, SMC } from './smaSimBus';

describe('simulated SMA inverter against captures', () => {
  it('lays out u64 records as the #535 reply does (code, time, value)', () => {
    const l1 = decodeL1(BT_REPLY_535);
    assert.ok(l1.ok);
    const frame = decodeL2Frame(l1.value.payload);
    assert.ok(frame.ok);
    const time = frame.value.payload.readUInt32LE(12);
    const opTime = Number(frame.value.payload.readBigUInt64LE(16));
    const feedIn = Number(frame.value.payload.readBigUInt64LE(32));
    const ours = encodeRecords(
      [
        { lri: 0x462e, cls: 1, kind: 'u64', raw: opTime },
        { lri: 0x462f, cls: 1, kind: 'u64', raw: feedIn },
      ],
      time,
      2,
    );
    assert.deepEqual(ours, frame.value.payload);
  });

  it('refuses a wrong password as the #441 reply does (ctrl 0x50, error 0x0100, command 0xFFFD040D, the request echoed)', () => {
    // #441 is logged un-stuffed: the body lies between `7E FF 03 60 65` and FCS + `7E`
    const captured = decodeData2(LOGON_REFUSED_441.subarray(5, LOGON_REFUSED_441.length - 3));
    assert.ok(captured.ok);
    const c = captured.value;
    const device = new SmaData2Device({ ...SMC, susyId: c.source.susyId, serial: c.source.serial, password: 'not0000' }, NOON);
    const time = c.payload.readUInt32LE(8);
    const request = logonPacket(c.destination, c.packetId, 'user', '0000', time);
    const reply = device.handle(request, { loggedOn: false });
    assert.ok(reply && reply.packets.length === 1);
    const r = reply.packets[0];
    assert.deepEqual(
      [r.control, r.error, r.command >>> 0, r.packetId, r.source, r.destination, r.payload],
      [c.control, c.error, c.command >>> 0, c.packetId, c.source, c.destination, c.payload],
    );
    assert.equal(device.logonRequests, 1);
  });
});
