/**
 * PPP FCS-16 (RFC 1662 §C.2; = CRC-16/X-25): reflected polynomial 0x8408, init 0xFFFF, final
 * xor 0xFFFF, sent low byte first. SMA uses it for SMANet frames (YASDI smanet.c) and for the
 * SMAData2+ frames inside Bluetooth packets (SBFspot SBFNet.cpp, python-smadata2). Computed on
 * the un-escaped bytes from the `FF` address byte through the last data byte.
 */
import { crc16X25 } from '../crc16X25';

export function fcs16(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return crc16X25(bytes, start, end);
}

/** The two FCS bytes as they follow the data: low byte first. */
export function fcsBytes(fcs: number): [number, number] {
  return [fcs & 0xff, (fcs >>> 8) & 0xff];
}
