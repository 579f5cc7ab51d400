/**
 * Byte literals for the SMA codec tests, each from a public source (shared/reference/sma.md):
 * - SBFspot #535: a Bluetooth query for operating times and its reply (SB with BT Piggy-Back,
 *   00:80:25:09:9B:41), as SBFspot logged them on the RFCOMM stream — stuffed, FCS included.
 * - SBFspot #441: the L2 frame of a refused logon (error 0x0100, password "0000" echoed),
 *   as SBFspot logged it after un-stuffing; and an inverter's hello (NetID 1).
 * - SBFspot #687: a hello with NetID 2.
 * - SolarNetwork SmaPacketTest (values of SWRNET's WR700-07 examples): SMAData1 packets without
 *   framing, and one channel-list record.
 * - SBFspot #437: the start of a Speedwire query datagram.
 * The checks are recomputed here bit by bit, independently of lib/sma.
 */
export const hex = (h: string): Buffer => Buffer.from(h.replace(/\s+/g, ''), 'hex');

export const BT_QUERY_535 = hex(`7E 40 00 3E 04 71 DA 7D 1A 00 FF FF FF FF FF FF 01 00 7E FF 03 60 65 09 A0 4E 00 E5 62 2C
  7D 5D 00 00 7D 5D 00 8C 0C 58 35 00 00 00 00 00 00 0E 80 00 02 00 54 00 2E 46 00 FF 2F 46 00 D7 5C 7E`);

export const BT_REPLY_535 = hex(`7E 62 00 1C 41 9B 09 25 80 00 04 71 DA 7D 1A 00 01 00 7E FF 03 60 65 7D 31 90 7D 5D 00 8C
  0C 58 35 00 A0 4E 00 E5 62 2C 7D 5D 00 00 00 00 00 00 0E 80 01 02 00 54 02 00 00 00 03 00
  00 00 01 2E 46 00 95 39 31 08 97 9A 7B 0B 00 00 00 00 01 2F 46 00 95 39 31 08 0A 5D 17 0B
  00 00 00 00 88 7D 31 7E`);

/** un-stuffed, flags included */
export const LOGON_REFUSED_441 = hex(`7E FF 03 60 65 0E 50 7D 00 C9 4B 62 36 00 01 71 00 44 43 2F 7D 00 01 00 01 00 00 04 80 0D
  04 FD FF 07 00 00 00 84 03 00 00 A5 1D 3A 60 00 00 00 00 B8 B8 B8 B8 88 88 88 88 88 88 88
  88 CE C9 7E`);

export const HELLO_441 = hex('7E 1F 00 61 EB 14 16 25 80 00 00 00 00 00 00 00 02 00 00 04 70 00 01 00 00 00 00 01 00 00 00');
export const HELLO_687 = hex('7E 1F 00 61 96 1C 29 25 80 00 00 00 00 00 00 00 02 00 00 04 70 00 02 00 00 00 00 01 00 00 00');

export const SN = {
  netStartRequest: hex('00 00 00 00 80 00 06'),
  netStartFrom8888: hex('B8 22 00 00 80 00 06'),
  netGetFrom1: hex('01 00 00 00 80 00 01'),
  netStartReply: hex('02 00 01 00 40 00 06 45 24 8F 00 57 52 37 30 30 2D 30 37'),
  channelInfoRequest: hex('B8 22 02 00 00 00 09'),
  channelInfoReply: hex(`02 00 B8 22 40 3B 09 01 01 04 02 01 02 00 53 4D 41 2D 53 4E 20 20 20 20 20 20 20 20 20 00
    20 20 20 20 20 20 20 00 00 00 00 00 00 24 74 49`),
};

export const SPEEDWIRE_QUERY_437_START = hex('53 4D 41 00 00 04 02 A0 00 00 00 01 00 26 00 10 60 65 09 A0 FF FF FF FF FF FF 00 00 7D');

/** FCS-16 bit by bit, before the final complement */
export function fcsRaw(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x8408 : crc >>> 1;
  }
  return crc;
}
export const fcsBitwise = (bytes: Uint8Array): number => (fcsRaw(bytes) ^ 0xffff) & 0xffff;

/** un-stuffing written out here, for checking frames independently */
export function unstuff(bytes: Uint8Array): Buffer {
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) out.push(bytes[i] === 0x7d ? bytes[++i] ^ 0x20 : bytes[i]);
  return Buffer.from(out);
}

/** SunnyNet frame around an SMAData1 packet, with its sum computed here */
export function sunnynetAround(packet: Buffer, sync = true): Buffer {
  const n = packet.length - 7;
  let sum = 0;
  for (const b of packet) sum += b;
  return Buffer.concat([hex(sync ? 'AAAA' : ''), Buffer.from([0x68, n, n, 0x68]), packet, Buffer.from([sum & 0xff, (sum >> 8) & 0xff, 0x16])]);
}

/** SMANet frame around an SMAData1 packet, FCS and stuffing done here */
export function smanetAround(packet: Buffer): Buffer {
  const inner = Buffer.concat([hex('FF034041'), packet]);
  const fcs = fcsBitwise(inner);
  const all = Buffer.concat([inner, Buffer.from([fcs & 0xff, fcs >> 8])]);
  const out: number[] = [0x7e];
  for (const b of all) if ([0x7e, 0x7d, 0x11, 0x12, 0x13].includes(b)) out.push(0x7d, b ^ 0x20);
  else out.push(b);
  out.push(0x7e);
  return Buffer.from(out);
}

export { seededRandom } from '../../lib/sim/seededRandom';
