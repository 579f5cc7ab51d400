/**
 * The SMAData1 packet both RS485 framings carry: a 7-byte little-endian header and its data.
 * Source: YASDI smadata_layer.h/.c, SWRNET §2 (shared/reference/sma.md §1.3).
 */
import { CTRL_ANSWER, CTRL_GROUP } from './data1Commands';
import { fail, ok, type Parsed } from './parsed';

export interface Data1Packet {
  source: number;
  destination: number;
  /** bit7 group/broadcast, bit6 answer */
  control: number;
  /** telegrams still to come of a multi-telegram reply (0 = last) */
  counter: number;
  command: number;
  data: Buffer;
}

export const DATA1_HEADER_BYTES = 7;

export function encodeData1(p: Data1Packet): Buffer {
  const out = Buffer.alloc(DATA1_HEADER_BYTES + p.data.length);
  out.writeUInt16LE(p.source, 0);
  out.writeUInt16LE(p.destination, 2);
  out[4] = p.control;
  out[5] = p.counter;
  out[6] = p.command;
  p.data.copy(out, DATA1_HEADER_BYTES);
  return out;
}

export function decodeData1(bytes: Buffer): Parsed<Data1Packet> {
  if (bytes.length < DATA1_HEADER_BYTES) return fail(`SMAData1 packet of ${bytes.length} bytes, the header alone is ${DATA1_HEADER_BYTES}`);
  return ok({
    source: bytes.readUInt16LE(0),
    destination: bytes.readUInt16LE(2),
    control: bytes[4],
    counter: bytes[5],
    command: bytes[6],
    data: Buffer.from(bytes.subarray(DATA1_HEADER_BYTES)),
  });
}

export const isAnswer = (p: Data1Packet): boolean => (p.control & CTRL_ANSWER) !== 0;
export const isBroadcast = (p: Data1Packet): boolean => (p.control & CTRL_GROUP) !== 0;
