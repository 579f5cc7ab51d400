/**
 * PPP FCS-16 (RFC 1662 §C.2; = CRC-16/X-25): reflected polynomial 0x8408, init 0xFFFF, final
 * xor 0xFFFF, sent low byte first. SMA uses it for SMANet frames (YASDI smanet.c) and for the
 * SMAData2+ frames inside Bluetooth packets (SBFspot SBFNet.cpp, python-smadata2). Computed on
 * the un-escaped bytes from the `FF` address byte through the last data byte.
 */
const TABLE = buildTable();

function buildTable(): Uint16Array {
  const table = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x8408 : c >>> 1;
    table[n] = c;
  }
  return table;
}

export function fcs16(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let fcs = 0xffff;
  for (let i = start; i < end; i++) fcs = (fcs >>> 8) ^ TABLE[(fcs ^ bytes[i]) & 0xff];
  return (fcs ^ 0xffff) & 0xffff;
}

/** The two FCS bytes as they follow the data: low byte first. */
export function fcsBytes(fcs: number): [number, number] {
  return [fcs & 0xff, (fcs >>> 8) & 0xff];
}
