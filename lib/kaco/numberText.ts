/** Numbers as KACO writes them: ASCII digits, optional sign and decimal point, padded with spaces or zeros. */
const NUMBER = /^-?\d+(\.\d+)?$/;

/** The number in bytes [start, end) with surrounding spaces, or undefined if it is not one. */
export function numberAt(bytes: Uint8Array, start: number, end: number): number | undefined {
  return numberText(asciiText(bytes, start, end).trim());
}

export function numberText(text: string): number | undefined {
  return NUMBER.test(text) ? Number(text) : undefined;
}

/** Bytes as text, one character per byte (latin1), so any byte value maps to exactly one character. */
export function asciiText(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, Math.max(0, end - start)).toString('latin1');
}

/** Only printable ASCII (space to ~): what type names, firmware and serial texts are made of. */
export function isPrintable(text: string): boolean {
  return /^[\x20-\x7e]*$/.test(text);
}

/** `hhhhhh:mm` as hours with the minutes as a fraction. */
export function hoursText(text: string): number | undefined {
  const m = /^(\d+):([0-5]\d)$/.exec(text);
  return m ? Number(m[1]) + Number(m[2]) / 60 : undefined;
}
