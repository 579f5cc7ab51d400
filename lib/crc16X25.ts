/**
 * CRC-16/X-25 (= PPP FCS-16, RFC 1662 §C.2): reflected polynomial 0x8408, init 0xFFFF, final
 * xor 0xFFFF; check value of "123456789" is 0x906E. KACO's generic protocol and SMA's SMANet and
 * SMAData2+ frames both use it, so it lives here once.
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

export function crc16X25(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++) crc = (crc >>> 8) ^ TABLE[(crc ^ bytes[i]) & 0xff];
  return (crc ^ 0xffff) & 0xffff;
}
