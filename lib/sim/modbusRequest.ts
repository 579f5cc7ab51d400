/**
 * The request side of Modbus as a slave sees it: how long an RTU request frame is, what a
 * request PDU asks for, and the reply PDUs. Source: Modbus Application Protocol V1.1b3,
 * sections 6.3 (fn 3), 6.6 (fn 6), 6.12 (fn 16), 7 (exceptions).
 */

export const EXCEPTION = {
  illegalFunction: 1,
  illegalDataAddress: 2,
  illegalDataValue: 3,
  deviceFailure: 4,
} as const;

/** Largest counts a request may carry (spec limits for fn 3 and fn 16). */
const MAX_READ_COUNT = 125;
const MAX_WRITE_COUNT = 123;

/**
 * Total length of the RTU request frame starting at buf[0] (unit, PDU, CRC), so a slave can
 * read by length: a number, `undefined` when more bytes are needed to know, or `null` when the
 * function code is not one a request can have (the byte is garbage).
 */
export function rtuRequestLength(buf: Buffer): number | undefined | null {
  if (buf.length < 2) return undefined;
  switch (buf[1]) {
    case 1: case 2: case 3: case 4: case 5: case 6:
      return 8; // unit fn addr(2) count-or-value(2) crc(2)
    case 15: case 16:
      return buf.length < 7 ? undefined : 9 + buf[6]; // unit fn addr(2) count(2) byteCount data crc(2)
    case 7: case 11: case 12: case 17:
      return 4; // unit fn crc(2)
    default:
      return null;
  }
}

export type ParsedRequest =
  | { kind: 'read'; functionCode: 3; address: number; count: number }
  | { kind: 'write'; functionCode: 6 | 16; address: number; count: number; values: number[] }
  | { kind: 'exception'; functionCode: number; address: number | null; count: number | null; exception: number };

/** What a request PDU (function code onwards) asks for, or the exception it earns. */
export function parseRequestPdu(pdu: Buffer): ParsedRequest {
  const functionCode = pdu[0];
  const address = pdu.length >= 3 ? pdu.readUInt16BE(1) : null;
  const word2 = pdu.length >= 5 ? pdu.readUInt16BE(3) : null;
  const exception = (code: number, count: number | null = word2): ParsedRequest => ({ kind: 'exception', functionCode, address, count, exception: code });
  switch (functionCode) {
    case 3:
      if (address === null || word2 === null || pdu.length !== 5) return exception(EXCEPTION.illegalDataValue);
      if (word2 < 1 || word2 > MAX_READ_COUNT) return exception(EXCEPTION.illegalDataValue);
      return { kind: 'read', functionCode, address, count: word2 };
    case 6:
      if (address === null || word2 === null || pdu.length !== 5) return exception(EXCEPTION.illegalDataValue, 1);
      return { kind: 'write', functionCode, address, count: 1, values: [word2] };
    case 16: {
      if (address === null || word2 === null || pdu.length < 6) return exception(EXCEPTION.illegalDataValue);
      const byteCount = pdu[5];
      if (word2 < 1 || word2 > MAX_WRITE_COUNT || byteCount !== 2 * word2 || pdu.length !== 6 + byteCount) {
        return exception(EXCEPTION.illegalDataValue);
      }
      const values: number[] = [];
      for (let i = 0; i < word2; i++) values.push(pdu.readUInt16BE(6 + 2 * i));
      return { kind: 'write', functionCode, address, count: word2, values };
    }
    default:
      return exception(EXCEPTION.illegalFunction, null);
  }
}

export function readReplyPdu(values: number[]): Buffer {
  const pdu = Buffer.alloc(2 + 2 * values.length);
  pdu[0] = 3;
  pdu[1] = 2 * values.length;
  values.forEach((v, i) => pdu.writeUInt16BE(v & 0xffff, 2 + 2 * i));
  return pdu;
}

/** fn 6 echoes address and value; fn 16 answers address and count. */
export function writeReplyPdu(request: { functionCode: 6 | 16; address: number; count: number; values: number[] }): Buffer {
  const pdu = Buffer.alloc(5);
  pdu[0] = request.functionCode;
  pdu.writeUInt16BE(request.address, 1);
  pdu.writeUInt16BE(request.functionCode === 6 ? request.values[0] : request.count, 3);
  return pdu;
}

export function exceptionReplyPdu(functionCode: number, exception: number): Buffer {
  return Buffer.from([(functionCode | 0x80) & 0xff, exception]);
}
