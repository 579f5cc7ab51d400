/**
 * Cuts a byte stream into Modbus RTU request frames the way a slave on the line would: by the
 * known length of each function's request, checking the CRC; on garbage it drops one byte and
 * tries again (resync); a partial frame followed by a gap longer than `gapMs` is discarded,
 * because on a real line that gap ends the frame.
 */
import crc16 from 'modbus-serial/utils/crc16';
import { rtuRequestLength } from './modbusRequest';

export interface RtuRequestFrame {
  unit: number;
  /** function code onwards, CRC stripped */
  pdu: Buffer;
  /** whole frame length on the wire (unit + PDU + CRC) */
  bytes: number;
  /** performance.now() of the chunk that carried the first / last byte */
  firstByteAt: number;
  lastByteAt: number;
}

export const DEFAULT_FRAME_GAP_MS = 5;

export function rtuCrcOk(frame: Buffer): boolean {
  return frame.length >= 4 && crc16(frame.subarray(0, -2)) === frame.readUInt16LE(frame.length - 2);
}

/** unit + PDU + CRC (low byte first) */
export function rtuFrame(unit: number, pdu: Buffer): Buffer {
  const frame = Buffer.alloc(pdu.length + 3);
  frame[0] = unit;
  pdu.copy(frame, 1);
  frame.writeUInt16LE(crc16(frame.subarray(0, -2)), frame.length - 2);
  return frame;
}

export class RtuRequestReader {
  private buf: Buffer = Buffer.alloc(0);
  /** arrival time of each buffered byte */
  private times: number[] = [];
  private lastAt = -Infinity;
  /** bytes thrown away (garbage, bad CRC, broken partial frames) */
  discardedBytes = 0;

  constructor(
    private readonly onFrame: (frame: RtuRequestFrame) => void,
    private readonly gapMs = DEFAULT_FRAME_GAP_MS,
  ) {}

  push(chunk: Buffer, arrivedAt: number): void {
    if (this.buf.length > 0 && arrivedAt - this.lastAt > this.gapMs) this.drop(this.buf.length);
    this.lastAt = arrivedAt;
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    for (let i = 0; i < chunk.length; i++) this.times.push(arrivedAt);
    this.parse();
  }

  reset(): void {
    this.buf = Buffer.alloc(0);
    this.times = [];
  }

  private parse(): void {
    while (this.buf.length >= 2) {
      const length = rtuRequestLength(this.buf);
      if (length === null) {
        this.drop(1);
        continue;
      }
      if (length === undefined || this.buf.length < length) {
        // Incomplete — or garbage in front of a complete frame that is already here.
        const at = this.completeFrameAfter(1);
        if (at < 0) return;
        this.drop(at);
        continue;
      }
      const frame = this.buf.subarray(0, length);
      if (!rtuCrcOk(frame)) {
        this.drop(1);
        continue;
      }
      const request: RtuRequestFrame = {
        unit: frame[0],
        pdu: Buffer.from(frame.subarray(1, -2)),
        bytes: length,
        firstByteAt: this.times[0],
        lastByteAt: this.times[length - 1],
      };
      this.buf = this.buf.subarray(length);
      this.times = this.times.slice(length);
      this.onFrame(request);
    }
  }

  /** offset of the first complete frame with a good CRC at or after `from`, or -1 */
  private completeFrameAfter(from: number): number {
    for (let at = from; at + 4 <= this.buf.length; at++) {
      const rest = this.buf.subarray(at);
      const length = rtuRequestLength(rest);
      if (typeof length === 'number' && rest.length >= length && rtuCrcOk(rest.subarray(0, length))) return at;
    }
    return -1;
  }

  private drop(count: number): void {
    this.discardedBytes += count;
    this.buf = this.buf.subarray(count);
    this.times = this.times.slice(count);
  }
}
