/**
 * SMANet framing of an SMAData1 packet (HDLC/PPP-like):
 * `7E` `FF 03` `40 41` packet FCS(2, low first) `7E`, everything between the flags stuffed.
 * Source: YASDI sdk/protocol/smanet.c (shared/reference/sma.md §1.2).
 */
import { decodeData1, encodeData1, type Data1Packet } from './data1Packet';
import { fcs16, fcsBytes } from './fcs16';
import { escapeBytes, FLAG, unescapeBytes } from './hdlcEscape';
import { fail, failCheck, hex16, type Parsed } from './parsed';

/** PPP protocol number of SMAData1 (YASDI smadata_layer.h PROT_PPP_SMADATA1). */
export const PROTOCOL_SMADATA1 = 0x4041;
const ADDRESS = 0xff;
const CONTROL = 0x03;
/** FF 03 40 41, 7 header bytes, FCS */
export const SMANET_MIN_INNER = 4 + 7 + 2;

export function encodeSmanet(packet: Data1Packet): Buffer {
  const inner = Buffer.concat([Buffer.from([ADDRESS, CONTROL, PROTOCOL_SMADATA1 >> 8, PROTOCOL_SMADATA1 & 0xff]), encodeData1(packet)]);
  const framed = Buffer.concat([inner, Buffer.from(fcsBytes(fcs16(inner)))]);
  return Buffer.concat([Buffer.from([FLAG]), escapeBytes(framed), Buffer.from([FLAG])]);
}

/** Decodes what was between two flags (still stuffed). */
export function decodeSmanetInner(stuffed: Buffer): Parsed<Data1Packet> {
  const inner = unescapeBytes(stuffed);
  if (!inner) return fail('SMANet frame ends in a lone escape byte');
  if (inner.length < SMANET_MIN_INNER) return fail(`SMANet frame of ${inner.length} bytes, at least ${SMANET_MIN_INNER} expected`);
  const end = inner.length - 2;
  const sent = inner[end] | (inner[end + 1] << 8);
  const computed = fcs16(inner, 0, end);
  if (sent !== computed) return failCheck(`SMANet FCS ${hex16(sent)}, computed ${hex16(computed)}`);
  if (inner[0] !== ADDRESS || inner[1] !== CONTROL) return fail(`SMANet address/control ${inner[0].toString(16)} ${inner[1].toString(16)}, expected ff 03`);
  const protocol = (inner[2] << 8) | inner[3];
  if (protocol !== PROTOCOL_SMADATA1) return fail(`SMANet protocol ${hex16(protocol)}, expected ${hex16(PROTOCOL_SMADATA1)} (SMAData1)`);
  return decodeData1(inner.subarray(4, end));
}
