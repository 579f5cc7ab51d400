/**
 * An SMAData2+ packet as Bluetooth carries it inside L1 payloads: `7E` `FF 03 60 65` body
 * FCS(2, low first) `7E`, stuffed between the flags (the inverter stuffs its FCS too).
 * Sources: SBFspot SBFNet.cpp, python-smadata2, emonhub SMANET2PlusPacket.py (sma.md §2.4).
 */
import { decodeData2, encodeData2, type Data2Packet } from './data2Packet';
import { fcs16, fcsBytes } from './fcs16';
import { escapeBytes, FLAG, unescapeBytes } from './hdlcEscape';
import { fail, failCheck, hex16, type Parsed } from './parsed';

/** HDLC address/control and SMA's protocol 0x6065 (python-smadata2 reads it as 0x6560) */
export const L2_SIGNATURE = Buffer.from([0xff, 0x03, 0x60, 0x65]);

export function encodeL2Frame(p: Data2Packet): Buffer {
  const inner = Buffer.concat([L2_SIGNATURE, encodeData2(p)]);
  return Buffer.concat([Buffer.from([FLAG]), escapeBytes(Buffer.concat([inner, Buffer.from(fcsBytes(fcs16(inner)))])), Buffer.from([FLAG])]);
}

/** Decodes a whole stuffed frame, flags included (the reassembled L1 payloads). */
export function decodeL2Frame(frame: Buffer): Parsed<Data2Packet> {
  if (frame.length < 2 || frame[0] !== FLAG || frame[frame.length - 1] !== FLAG) return fail('SMAData2+ frame not between 7E flags');
  const stuffed = frame.subarray(1, frame.length - 1);
  if (stuffed.includes(FLAG)) return fail('SMAData2+ frame holds a 7E inside');
  const inner = unescapeBytes(stuffed);
  if (!inner) return fail('SMAData2+ frame ends in a lone escape byte');
  if (inner.length < L2_SIGNATURE.length + 2) return fail(`SMAData2+ frame of ${inner.length} bytes`);
  const end = inner.length - 2;
  const sent = inner[end] | (inner[end + 1] << 8);
  const computed = fcs16(inner, 0, end);
  if (sent !== computed) return failCheck(`SMAData2+ FCS ${hex16(sent)}, computed ${hex16(computed)}`);
  if (!inner.subarray(0, 4).equals(L2_SIGNATURE)) return fail(`SMAData2+ signature ${inner.subarray(0, 4).toString('hex')}, expected ff036065`);
  return decodeData2(inner.subarray(4, end));
}
