/**
 * The SMAData2+ packet (Bluetooth and Speedwire carry the same body): a 36-byte little-endian
 * header, then records or arguments. Offsets from the length byte; sources: SBFspot SBFNet.cpp
 * writePacket, python-smadata2 doc/protocol.txt, James Ball (shared/reference/sma.md §2.4).
 */
import { fail, ok, type Parsed } from './parsed';

export interface Data2Address {
  susyId: number;
  serial: number;
}

export interface Data2Packet {
  /** SBFspot sends 0xA0; replies seen 0x90, 0x50 */
  control: number;
  destination: Data2Address;
  /** SBFspot: 0x0000 data, 0x0100 logon, 0x0300 logoff */
  control2: number;
  source: Data2Address;
  /** 0 ok, 0x0100 invalid password, 0x0015 LRI not available, 0x0017 not logged in */
  error: number;
  /** further frames of this reply to come, 0 = last */
  fragment: number;
  /** bits 0–14; bit 15 is set on requests */
  packetId: number;
  /** the request flag (bit 15 of the packet id field) */
  first: boolean;
  command: number;
  /** the body after offset 28: first/last and records (requests: their arguments) */
  payload: Buffer;
}

export const DATA2_HEADER_BYTES = 28;
export const ANY_SUSY_ID = 0xffff;
export const ANY_SERIAL = 0xffffffff;

export const DATA2_ERRORS: Readonly<Record<number, string>> = {
  0x0000: 'ok',
  0x0015: 'LRI not available',
  0x0017: 'not logged in',
  0x0100: 'wrong password',
};

/** The body, with its length byte counting 32-bit words (padding the payload to whole words). */
export function encodeData2(p: Data2Packet): Buffer {
  const payload = p.payload.length % 4 === 0 ? p.payload : Buffer.concat([p.payload, Buffer.alloc(4 - (p.payload.length % 4))]);
  const out = Buffer.alloc(DATA2_HEADER_BYTES + payload.length);
  if (out.length / 4 > 0xff) throw new RangeError(`SMAData2+ body of ${out.length} bytes`);
  out[0] = out.length / 4;
  out[1] = p.control;
  out.writeUInt16LE(p.destination.susyId, 2);
  out.writeUInt32LE(p.destination.serial >>> 0, 4);
  out.writeUInt16LE(p.control2, 8);
  out.writeUInt16LE(p.source.susyId, 10);
  out.writeUInt32LE(p.source.serial >>> 0, 12);
  out.writeUInt16LE(p.control2, 16);
  out.writeUInt16LE(p.error, 18);
  out.writeUInt16LE(p.fragment, 20);
  out.writeUInt16LE((p.packetId & 0x7fff) | (p.first ? 0x8000 : 0), 22);
  out.writeUInt32LE(p.command >>> 0, 24);
  payload.copy(out, DATA2_HEADER_BYTES);
  return out;
}

export function decodeData2(body: Buffer): Parsed<Data2Packet> {
  if (body.length < DATA2_HEADER_BYTES) return fail(`SMAData2+ body of ${body.length} bytes, the header is ${DATA2_HEADER_BYTES}`);
  if (body[0] * 4 !== body.length) return fail(`SMAData2+ length byte says ${body[0] * 4} bytes, the body has ${body.length}`);
  const id = body.readUInt16LE(22);
  return ok({
    control: body[1],
    destination: { susyId: body.readUInt16LE(2), serial: body.readUInt32LE(4) },
    control2: body.readUInt16LE(8),
    source: { susyId: body.readUInt16LE(10), serial: body.readUInt32LE(12) },
    error: body.readUInt16LE(18),
    fragment: body.readUInt16LE(20),
    packetId: id & 0x7fff,
    first: (id & 0x8000) !== 0,
    command: body.readUInt32LE(24),
    payload: Buffer.from(body.subarray(DATA2_HEADER_BYTES)),
  });
}
