/**
 * Cuts a Modbus TCP byte stream into requests by the MBAP header (Modbus Messaging on TCP/IP
 * Implementation Guide V1.0b, 3.1.3): transaction id, protocol id 0, length of unit + PDU,
 * unit id. A header that cannot be right (protocol id not 0, length outside 2..254) leaves
 * no way to find the next frame, so the buffer is dropped.
 */

export interface MbapRequestFrame {
  transactionId: number;
  unit: number;
  pdu: Buffer;
  /** the same request as an RTU frame would be long (unit + PDU + CRC): what the serial side of a gateway carries */
  bytes: number;
  firstByteAt: number;
  lastByteAt: number;
}

const HEADER_BYTES = 7; // transaction(2) protocol(2) length(2) unit(1)
const MAX_LENGTH = 254;

export class MbapRequestReader {
  private buf: Buffer = Buffer.alloc(0);
  private firstAt = 0;
  discardedBytes = 0;

  constructor(private readonly onFrame: (frame: MbapRequestFrame) => void) {}

  push(chunk: Buffer, arrivedAt: number): void {
    if (this.buf.length === 0) this.firstAt = arrivedAt;
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    while (this.buf.length >= HEADER_BYTES) {
      const length = this.buf.readUInt16BE(4);
      if (this.buf.readUInt16BE(2) !== 0 || length < 2 || length > MAX_LENGTH) {
        this.discardedBytes += this.buf.length;
        this.buf = Buffer.alloc(0);
        return;
      }
      if (this.buf.length < 6 + length) return;
      const frame: MbapRequestFrame = {
        transactionId: this.buf.readUInt16BE(0),
        unit: this.buf[6],
        pdu: Buffer.from(this.buf.subarray(HEADER_BYTES, 6 + length)),
        bytes: length + 2,
        firstByteAt: this.firstAt,
        lastByteAt: arrivedAt,
      };
      this.buf = this.buf.subarray(6 + length);
      // the next frame, if any, came in this same chunk
      this.firstAt = arrivedAt;
      this.onFrame(frame);
    }
  }
}

/** MBAP header + unit + PDU, echoing the request's transaction id */
export function mbapFrame(transactionId: number, unit: number, pdu: Buffer): Buffer {
  const frame = Buffer.alloc(HEADER_BYTES + pdu.length);
  frame.writeUInt16BE(transactionId, 0);
  frame.writeUInt16BE(0, 2);
  frame.writeUInt16BE(pdu.length + 1, 4);
  frame[6] = unit;
  pdu.copy(frame, HEADER_BYTES);
  return frame;
}
