/**
 * Wire time of serial frames. Source: modbus.org "MODBUS over Serial Line" V1.02, 2.5.1.1:
 * frames are separated by 3.5 character times of silence; above 19200 baud the fixed
 * value 1.75 ms is recommended.
 */
export interface CharFormat {
  dataBits: 7 | 8;
  parity: 'none' | 'even' | 'odd';
  stopBits: 1 | 2;
}

export const FORMAT_8N1: CharFormat = { dataBits: 8, parity: 'none', stopBits: 1 };

export function bitsPerChar(fmt: CharFormat): number {
  return 1 + fmt.dataBits + (fmt.parity === 'none' ? 0 : 1) + fmt.stopBits;
}

/** Milliseconds one character occupies on the wire. */
export function charTimeMs(baud: number, fmt: CharFormat = FORMAT_8N1): number {
  return (bitsPerChar(fmt) * 1000) / baud;
}

/** The inter-frame silence t3.5 in milliseconds. */
export function t35Ms(baud: number, fmt: CharFormat = FORMAT_8N1): number {
  return baud > 19200 ? 1.75 : 3.5 * charTimeMs(baud, fmt);
}

/** Milliseconds to carry `bytes` at this baud rate. */
export function bytesTimeMs(bytes: number, baud: number, fmt: CharFormat = FORMAT_8N1): number {
  return bytes * charTimeMs(baud, fmt);
}

/**
 * The physical minimum of one request/reply transaction: both frames on the wire, the t3.5
 * silence that ends each of them, and the device's turnaround.
 */
export function transactionLimitMs(requestBytes: number, replyBytes: number, baud: number, turnaroundMs: number, fmt: CharFormat = FORMAT_8N1): number {
  return bytesTimeMs(requestBytes + replyBytes, baud, fmt) + 2 * t35Ms(baud, fmt) + turnaroundMs;
}

/** Modbus RTU frame sizes (request, reply) for the functions this package uses. */
export const rtuFrameBytes = {
  readHolding: (count: number): [number, number] => [8, 5 + 2 * count],
  writeSingle: (): [number, number] => [8, 8],
  writeMultiple: (count: number): [number, number] => [9 + 2 * count, 8],
};
