/**
 * The two checks of KACO's RS485 protocol.
 * - Standard protocol (series 00/02/xi/000xi, and command 9 everywhere): the byte values from
 *   `*` through the space before the check, summed and kept to one byte; sent as a raw byte.
 * - Generic protocol (TL3/TR3/XP, and command s): CRC over `*` through the last space, sent as
 *   4 hex characters. KACO's note names x^16+x^12+x^5+1; real frames match CRC-16/X-25
 *   (reflected, init 0xFFFF, final xor 0xFFFF; check value of "123456789" is 0x906E).
 * Source: shared/reference/kaco-rs485.md; both verified against captured 6400xi/8000xi/TL3 frames.
 */

export { crc16X25 } from '../crc16X25';

export function kacoChecksum(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum += bytes[i];
  return sum & 0xff;
}

/** The CRC as the generic protocol writes it: 4 upper-case hex characters. */
export function crcHex(crc: number): string {
  return crc.toString(16).toUpperCase().padStart(4, '0');
}
