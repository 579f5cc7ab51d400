/**
 * SunnyNet framing of an SMAData1 packet: [`AA AA`] `68` n n `68` packet sum(2, low first) `16`,
 * n = user-data length without the 7-byte header, sent twice; the sum is the 16-bit sum of the
 * bytes from the source address through the last data byte. No byte stuffing.
 * Source: SWRNET §2, YASDI sdk/protocol/sunnynet.c (shared/reference/sma.md §1.2; SolarNetwork's
 * encoder writes the whole length and sums fewer bytes — not followed).
 */
import { DATA1_HEADER_BYTES, decodeData1, encodeData1, type Data1Packet } from './data1Packet';
import { fail, failCheck, hex16, type Parsed } from './parsed';

export const SUNNYNET_START = 0x68;
export const SUNNYNET_STOP = 0x16;
export const SUNNYNET_SYNC = 0xaa;
/** 68 n n 68 */
export const SUNNYNET_HEAD = 4;
/** sum(2) + stop */
export const SUNNYNET_TAIL = 3;

export function sunnynetSum(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum += bytes[i];
  return sum & 0xffff;
}

export function encodeSunnynet(packet: Data1Packet, sync = true): Buffer {
  if (packet.data.length > 255) throw new RangeError(`SunnyNet carries at most 255 data bytes, got ${packet.data.length}`);
  const body = encodeData1(packet);
  const n = packet.data.length;
  const sum = sunnynetSum(body);
  return Buffer.concat([
    Buffer.from(sync ? [SUNNYNET_SYNC, SUNNYNET_SYNC] : []),
    Buffer.from([SUNNYNET_START, n, n, SUNNYNET_START]),
    body,
    Buffer.from([sum & 0xff, sum >> 8, SUNNYNET_STOP]),
  ]);
}

/** Total frame length (from the first 68) once its 4 head bytes are known; undefined when they are no head. */
export function sunnynetFrameLength(head: Uint8Array): number | undefined {
  if (head.length < SUNNYNET_HEAD || head[0] !== SUNNYNET_START || head[3] !== SUNNYNET_START || head[1] !== head[2]) return undefined;
  return SUNNYNET_HEAD + DATA1_HEADER_BYTES + head[1] + SUNNYNET_TAIL;
}

/** Decodes a frame from its first `68` through the stop byte. */
export function decodeSunnynet(frame: Buffer): Parsed<Data1Packet> {
  const length = sunnynetFrameLength(frame);
  if (length === undefined) return fail('no SunnyNet head (68 n n 68)');
  if (frame.length !== length) return fail(`SunnyNet frame of ${frame.length} bytes, its length says ${length}`);
  if (frame[length - 1] !== SUNNYNET_STOP) return fail(`SunnyNet stop byte ${frame[length - 1].toString(16)}, expected 16`);
  const bodyEnd = length - SUNNYNET_TAIL;
  const sent = frame[bodyEnd] | (frame[bodyEnd + 1] << 8);
  const computed = sunnynetSum(frame, SUNNYNET_HEAD, bodyEnd);
  if (sent !== computed) return failCheck(`SunnyNet checksum ${hex16(sent)}, computed ${hex16(computed)}`);
  return decodeData1(frame.subarray(SUNNYNET_HEAD, bodyEnd));
}
