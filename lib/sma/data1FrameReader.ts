/**
 * Cuts SMAData1 packets out of an RS485 byte stream, in either framing: SMANet (`7E`…`7E`) or
 * SunnyNet (`68 n n 68`…`16`). Never throws; a frame that fails its FCS or sum is reported as
 * rejected and never becomes a packet. Bytes outside frames (SunnyNet's `AA AA` sync, line
 * glitches) are skipped and counted.
 */
import type { Data1Packet } from './data1Packet';
import { FLAG } from './hdlcEscape';
import { decodeSmanetInner } from './smanetFrame';
import { decodeSunnynet, sunnynetFrameLength, SUNNYNET_HEAD, SUNNYNET_START } from './sunnynetFrame';

export type Data1Framing = 'smanet' | 'sunnynet';

export type Data1ReaderEvent =
  | { kind: 'packet'; framing: Data1Framing; packet: Data1Packet; raw: Buffer }
  | { kind: 'rejected'; framing: Data1Framing; reason: string; badCheck: boolean; raw: Buffer };

/** Longest stuffed SMANet frame: 2 × (4 + 7 + 255 + 2) + 2 flags; anything longer is noise. */
const MAX_SMANET = 2 * (4 + 7 + 255 + 2) + 2;

export class Data1FrameReader {
  private buffer: Buffer = Buffer.alloc(0);
  /** bytes skipped outside any frame */
  skipped = 0;

  constructor(private readonly framings: readonly Data1Framing[] = ['smanet', 'sunnynet']) {}

  push(chunk: Buffer): Data1ReaderEvent[] {
    this.buffer = this.buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buffer, chunk]);
    const events: Data1ReaderEvent[] = [];
    for (;;) {
      const event = this.next();
      if (event === 'wait') break;
      if (event) events.push(event);
    }
    return events;
  }

  /** Whether a frame has begun and not ended (for a truncated-reply verdict). */
  get midFrame(): boolean {
    return this.buffer.length > 0;
  }

  private accepts(f: Data1Framing): boolean {
    return this.framings.includes(f);
  }

  /** one step: an event, null after skipping bytes, or 'wait' for more */
  private next(): Data1ReaderEvent | null | 'wait' {
    const b = this.buffer;
    let start = -1;
    for (let i = 0; i < b.length; i++) {
      if ((b[i] === FLAG && this.accepts('smanet')) || (b[i] === SUNNYNET_START && this.accepts('sunnynet'))) {
        start = i;
        break;
      }
    }
    if (start < 0) {
      this.drop(b.length);
      return 'wait';
    }
    if (start > 0) {
      this.drop(start);
      return null;
    }
    return b[0] === FLAG ? this.nextSmanet() : this.nextSunnynet();
  }

  private nextSmanet(): Data1ReaderEvent | null | 'wait' {
    const b = this.buffer;
    const close = b.indexOf(FLAG, 1);
    if (close < 0) {
      if (b.length > MAX_SMANET) this.drop(1);
      return b.length > MAX_SMANET ? null : 'wait';
    }
    if (close === 1) {
      // back-to-back flags: the second opens the frame
      this.drop(1);
      return null;
    }
    const raw = Buffer.from(b.subarray(0, close + 1));
    const parsed = decodeSmanetInner(b.subarray(1, close));
    if (parsed.ok) {
      this.buffer = b.subarray(close + 1);
      return { kind: 'packet', framing: 'smanet', packet: parsed.value, raw };
    }
    // the closing flag may be the opening flag of the next frame (this one lost its own)
    this.buffer = b.subarray(close);
    return { kind: 'rejected', framing: 'smanet', reason: parsed.reason, badCheck: parsed.badCheck, raw };
  }

  private nextSunnynet(): Data1ReaderEvent | null | 'wait' {
    const b = this.buffer;
    if (b.length < SUNNYNET_HEAD) return 'wait';
    const length = sunnynetFrameLength(b);
    if (length === undefined) {
      this.drop(1);
      return null;
    }
    if (b.length < length) return 'wait';
    const raw = Buffer.from(b.subarray(0, length));
    const parsed = decodeSunnynet(raw);
    if (parsed.ok) {
      this.buffer = b.subarray(length);
      return { kind: 'packet', framing: 'sunnynet', packet: parsed.value, raw };
    }
    // resynchronise on the next byte: the head may have been noise
    this.buffer = b.subarray(1);
    return { kind: 'rejected', framing: 'sunnynet', reason: parsed.reason, badCheck: parsed.badCheck, raw };
  }

  private drop(n: number): void {
    this.skipped += n;
    this.buffer = this.buffer.subarray(n);
  }
}
