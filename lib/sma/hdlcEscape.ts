/**
 * HDLC-like byte stuffing of the frames between `7E` flags. Escaped bytes travel as `7D`, byte
 * XOR 0x20. The set: `7E`, `7D` and the control bytes `11 12 13` (YASDI's ACCM 0x000E0000;
 * SBFspot and emonhub escape the same five for Bluetooth; python-smadata2 leaves 0x12 out — a
 * receiver un-escapes whatever it is sent, so sending the larger set is safe).
 * Source: shared/reference/sma.md §1.2, §2.4.
 */
export const FLAG = 0x7e;
export const ESCAPE = 0x7d;
const ESCAPED = new Set([0x7e, 0x7d, 0x11, 0x12, 0x13]);

export function escapeBytes(bytes: Uint8Array): Buffer {
  const out: number[] = [];
  for (const b of bytes) {
    if (ESCAPED.has(b)) out.push(ESCAPE, b ^ 0x20);
    else out.push(b);
  }
  return Buffer.from(out);
}

/** The bytes as sent before stuffing; undefined when the last byte is a lone escape. */
export function unescapeBytes(bytes: Uint8Array): Buffer | undefined {
  const out = Buffer.alloc(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === ESCAPE) {
      if (i + 1 >= bytes.length) return undefined;
      out[n++] = bytes[++i] ^ 0x20;
    } else out[n++] = bytes[i];
  }
  return out.subarray(0, n);
}
