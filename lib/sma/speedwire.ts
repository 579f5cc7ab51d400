/**
 * Speedwire: SMAData2+ over UDP 9522. A datagram is `SMA\0`, then big-endian [length][tag]
 * records: 0x02A0 group (00000001), 0x0010 with `60 65` + the SMAData2+ body, and the end
 * record `00 00 00 00`. No flags, no stuffing, no FCS. Energy Meter datagrams (protocol 0x6069)
 * share the group and are skipped. Sources: SBFspot Ethernet.cpp/SBFspot.cpp, jollyjinx/sma2mqtt
 * "SMA Protocol.md", SBFspot #437/#541/#618 (shared/reference/sma.md §3).
 */
import { decodeData2, encodeData2, type Data2Packet } from './data2Packet';
import { fail, hex16, type Parsed } from './parsed';

export const SPEEDWIRE_PORT = 9522;
export const SPEEDWIRE_MULTICAST = '239.12.255.254';
const MAGIC = Buffer.from('SMA\0', 'latin1');
const TAG_GROUP = 0x02a0;
const TAG_DATA2 = 0x0010;
const PROTOCOL_DATA2 = 0x6065;

/** The discovery request SBFspot multicasts (SBFspot #541). */
export const SPEEDWIRE_DISCOVERY = Buffer.from('534d4100000402a0ffffffff0000002000000000', 'hex');

export function encodeSpeedwire(p: Data2Packet): Buffer {
  const body = encodeData2(p);
  const head = Buffer.alloc(4 + 8 + 6);
  MAGIC.copy(head, 0);
  head.writeUInt16BE(4, 4);
  head.writeUInt16BE(TAG_GROUP, 6);
  head.writeUInt32BE(1, 8);
  head.writeUInt16BE(2 + body.length, 12);
  head.writeUInt16BE(TAG_DATA2, 14);
  head.writeUInt16BE(PROTOCOL_DATA2, 16);
  return Buffer.concat([head, body, Buffer.alloc(4)]);
}

export type SpeedwireContent = { kind: 'data2'; packet: Data2Packet } | { kind: 'other'; protocol: number };

export function decodeSpeedwire(datagram: Buffer): Parsed<SpeedwireContent> {
  if (datagram.length < 4 || !datagram.subarray(0, 4).equals(MAGIC)) return fail('not a Speedwire datagram (no SMA\\0)');
  let at = 4;
  while (at + 4 <= datagram.length) {
    const length = datagram.readUInt16BE(at);
    const tag = datagram.readUInt16BE(at + 2);
    if (length === 0 && tag === 0) break;
    const start = at + 4;
    if (start + length > datagram.length) return fail(`Speedwire record ${hex16(tag)} of ${length} bytes runs past the datagram`);
    if (tag === TAG_DATA2) {
      if (length < 2) return fail('Speedwire data record without a protocol');
      const protocol = datagram.readUInt16BE(start);
      if (protocol !== PROTOCOL_DATA2) return { ok: true, value: { kind: 'other', protocol } };
      const packet = decodeData2(datagram.subarray(start + 2, start + length));
      return packet.ok ? { ok: true, value: { kind: 'data2', packet: packet.value } } : packet;
    }
    at = start + length;
  }
  return fail('Speedwire datagram without an SMAData2+ record');
}
