import { ConfigError } from '../bus/errors';
import { isKacoAddress, isKacoCommand, type KacoCommand } from './commands';
import type { KacoReply, Parsed, ReplyShape, StandardReply } from './frames';
import { parseGeneric } from './genericParser';
import { parseStandardType, parseStandardValues, offsetsOf } from './standardParser';
import { MAX_TYPE_LENGTH, STANDARD_LAYOUTS } from './standardLayouts';
import { parseFirmwareReply, parseSerialReply, parseTypeReply } from './textReplyParser';
import { parseYield } from './yieldParser';

/** What a request expects back. */
export interface ReplyExpectation {
  address: number;
  command: KacoCommand;
  /** command 1–3 sent to a series 000xi: a sub-inverter's values (command 3 otherwise means yield) */
  subInverter?: boolean;
}

/** What arrived in one response window, once it is over. */
export type ExtractorOutcome =
  | { kind: 'reply'; reply: KacoReply }
  /** nothing but glitch bytes, or nothing at all */
  | { kind: 'none' }
  /** a frame for this request arrived but failed its checksum/CRC (badCheck) or its layout */
  | { kind: 'rejected'; badCheck: boolean; reason: string }
  /** a frame for this request began but never ended */
  | { kind: 'partial'; reason: string }
  /** only frames from other inverters or other requests (late answers) */
  | { kind: 'foreign'; address: number; command: string };

export interface ExtractorCounts {
  /** frames for this request refused (checksum, CRC or layout) */
  rejected: number;
  /** of which the checksum or CRC did not match */
  badCheck: number;
  /** frames from another address or answering another command: late answers, dropped */
  foreign: number;
  /** 0x00 bytes outside frames (bus turnaround glitches) */
  glitchBytes: number;
}

const LF = 0x0a;
const CR = 0x0d;
const STAR = 0x2a;
const NUL = 0x00;
/** Longest frames looked at, so a lost CR cannot keep a candidate open for ever. */
const MAX_CRC_FRAME = 400;
const MAX_TEXT_FRAME = 120;
/** Bytes already scanned are dropped once this many pile up (a babbling line). */
const COMPACT_AFTER = 2048;
const REPLY_COMMANDS = new Set(['0', '1', '2', '3', '4', '8', '9', 'n', 's']);

type Verdict =
  | { kind: 'skip' }
  | { kind: 'wait'; verified?: StandardReply; rejection?: Rejection }
  | { kind: 'accept'; reply: KacoReply; end: number }
  | { kind: 'reject'; rejection: Rejection }
  | { kind: 'foreign'; address: number; command: string };

interface Rejection {
  reason: string;
  badCheck: boolean;
}

const EMPTY = Buffer.alloc(0);
const SKIP: Verdict = { kind: 'skip' };
const WAIT: Verdict = { kind: 'wait' };

/**
 * Cuts the reply to one request out of the bytes that arrive after it was sent, by position and
 * length: frames start at `*` (LF before it optional; command 3 on xi: at LF with no header),
 * their length comes from the layout (standard), from a CR after hex text (generic, CRC-checked),
 * or from the first CR at which the check matches (command 9, whose check byte may itself be CR).
 * 0x00 glitches and other noise between frames are skipped; frames for another address or
 * command (a late answer to an earlier request) are counted and dropped; a frame failing its
 * checksum, CRC or layout is counted and never becomes values. Never throws on any input.
 */
export class FrameExtractor {
  readonly counts: ExtractorCounts = { rejected: 0, badCheck: 0, foreign: 0, glitchBytes: 0 };
  private buf: Buffer = Buffer.alloc(0);
  private scanFrom = 0;
  private countedTo = 0;
  private result: KacoReply | undefined;
  private lastRejection: Rejection | undefined;
  private lastForeign: { address: number; command: string } | undefined;

  constructor(readonly expect: ReplyExpectation) {
    if (!isKacoAddress(expect.address)) throw new ConfigError(`KACO address must be an integer 1–32, got ${String(expect.address)}`);
    if (!isKacoCommand(expect.command)) throw new ConfigError(`unknown KACO command ${JSON.stringify(expect.command)}`);
  }

  /** Adds bytes; returns the reply once it is complete. */
  push(chunk: Buffer): KacoReply | undefined {
    if (this.result) return this.result;
    this.buf = this.buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buf, chunk]);
    return this.scan(false);
  }

  /**
   * A frame for this request that is already known bad (its check failed, or a byte came that no
   * valid frame can hold at that place): the request can end now instead of at its timeout.
   * KACO inverters send one reply per request, so nothing good follows a refused one.
   */
  get refusal(): { reason: string; badCheck: boolean } | undefined {
    return this.result ? undefined : this.lastRejection;
  }

  /** No more bytes will come (the response time is up): what the window held. */
  finish(): ExtractorOutcome {
    const reply = this.result ?? this.scan(true);
    if (reply) return { kind: 'reply', reply };
    if (this.lastRejection) return { kind: 'rejected', ...this.lastRejection };
    if (this.partialReason) return { kind: 'partial', reason: this.partialReason };
    if (this.lastForeign) return { kind: 'foreign', ...this.lastForeign };
    return { kind: 'none' };
  }

  private partialReason: string | undefined;

  private scan(final: boolean): KacoReply | undefined {
    const buf = this.buf;
    let i = this.scanFrom;
    while (i < buf.length) {
      const v = this.evaluate(i, final);
      if (v.kind === 'accept') {
        v.reply.raw = Buffer.from(buf.subarray(i, v.end));
        this.result = v.reply;
        return v.reply;
      }
      if (v.kind === 'wait') {
        if (!final) {
          this.scanFrom = i;
          return undefined;
        }
        if (v.verified) {
          const at = offsetsOf(STANDARD_LAYOUTS[v.verified.shape]);
          v.verified.raw = Buffer.from(buf.subarray(i, i + at.checksumAt + 1));
          this.result = v.verified;
          return v.verified;
        }
        if (v.rejection) this.reject(v.rejection);
        else this.partialReason = `a frame began ${buf.length - i} bytes before the response time ran out and never ended`;
      } else if (v.kind === 'reject') {
        this.reject(v.rejection);
      } else if (v.kind === 'foreign') {
        this.counts.foreign += 1;
        this.lastForeign = { address: v.address, command: v.command };
      } else if (i >= this.countedTo && buf[i] === NUL) {
        this.counts.glitchBytes += 1;
      }
      if (i >= this.countedTo) this.countedTo = i + 1;
      i += 1;
    }
    this.scanFrom = i;
    if (this.scanFrom > COMPACT_AFTER) this.compact();
    return undefined;
  }

  private compact(): void {
    this.buf = this.buf.subarray(this.scanFrom);
    this.countedTo = Math.max(0, this.countedTo - this.scanFrom);
    this.scanFrom = 0;
  }

  private reject(failure: Rejection): void {
    const rejection = { reason: failure.reason, badCheck: failure.badCheck };
    this.counts.rejected += 1;
    if (rejection.badCheck) this.counts.badCheck += 1;
    // a checksum failure says more than a layout failure about what went wrong
    if (!this.lastRejection?.badCheck || rejection.badCheck) this.lastRejection = rejection;
  }

  private evaluate(i: number, final: boolean): Verdict {
    const buf = this.buf;
    if (buf[i] === STAR) return this.evaluateHeadered(i, final);
    if (buf[i] === LF && this.expectsYield()) {
      if (i + 1 >= buf.length) return final ? SKIP : WAIT;
      return buf[i + 1] === STAR ? SKIP : this.evaluateHeaderlessYield(i);
    }
    return SKIP;
  }

  private expectsYield(): boolean {
    return this.expect.command === '3' && !this.expect.subInverter;
  }

  private shapeFor(command: string): ReplyShape | undefined {
    const want = this.expect.command;
    switch (want) {
      case '0':
        return command === '0' ? 'standard' : command === '4' ? 'family000xi' : command === 'n' ? 'generic' : undefined;
      case '1':
      case '2':
        return command === want ? 'standard000xi' : undefined;
      case '3':
        return command === '3' ? (this.expect.subInverter ? 'standard000xi' : 'yield') : undefined;
      case '8':
        return command === '8' ? 'firmware' : undefined;
      case '9':
        return command === '9' ? 'type' : undefined;
      case 's':
        return command === 's' ? 'serial' : undefined;
    }
  }

  private evaluateHeadered(i: number, final: boolean): Verdict {
    const buf = this.buf;
    if (buf.length < i + 4) return final ? SKIP : WAIT;
    const d1 = buf[i + 1] - 0x30;
    const d2 = buf[i + 2] - 0x30;
    if (d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) return SKIP;
    const address = d1 * 10 + d2;
    const command = String.fromCharCode(buf[i + 3]);
    const shape = this.shapeFor(command);
    if (address !== this.expect.address || shape === undefined) {
      return REPLY_COMMANDS.has(command) ? { kind: 'foreign', address, command } : SKIP;
    }
    switch (shape) {
      case 'standard':
      case 'standard000xi':
        return this.evaluateStandard(i, shape, address, command);
      case 'family000xi':
        return { kind: 'accept', reply: { shape, address, command, raw: EMPTY }, end: i + 4 };
      case 'generic':
        return this.untilCr(i + 4, i + MAX_CRC_FRAME, (cr) => parseGeneric(buf, i, cr), (v) => ({ shape, address, command, raw: EMPTY, noe: v.noe, fields: v.fields }));
      case 'yield':
        return this.untilCr(i + 4, i + MAX_TEXT_FRAME, (cr) => parseYield(buf, i + 4, cr, true), (v) => ({ shape, address, command, raw: EMPTY, hadHeader: true, ...v }));
      case 'firmware':
        return this.untilCr(i + 4, i + MAX_TEXT_FRAME, (cr) => parseFirmwareReply(buf, i, cr), (text) => ({ shape, address, command, raw: EMPTY, text }));
      case 'serial':
        return this.untilCr(i + 4, i + MAX_TEXT_FRAME, (cr) => parseSerialReply(buf, i, cr), (serial) => ({ shape, address, command, raw: EMPTY, serial }));
      case 'type':
        return this.evaluateType(i, address, command);
    }
  }

  private evaluateStandard(i: number, shape: 'standard' | 'standard000xi', address: number, command: string): Verdict {
    const buf = this.buf;
    const layout = STANDARD_LAYOUTS[shape];
    const at = offsetsOf(layout);
    // digits, signs, points and spaces only up to the checksum: any other byte there is noise
    const bad = firstNonText(buf, i + 4, Math.min(buf.length, i + at.checksumAt));
    if (bad >= 0) return { kind: 'reject', rejection: { reason: `byte 0x${hex2(buf[bad])} at ${bad - i} cannot be in a ${shape} frame (garbled in transit)`, badCheck: false } };
    if (buf.length < i + at.checksumAt + 1) return WAIT;
    const values = parseStandardValues(buf, i, layout);
    if (!values.ok) return { kind: 'reject', rejection: values };
    const reply: StandardReply = { shape, address, command, raw: EMPTY, fields: values.value, type: undefined };
    // the type text follows the checksum, sometimes after a pause of more than 250 ms
    const tailEnd = i + at.typeAt + MAX_TYPE_LENGTH + 1;
    const tailStart = i + at.checksumAt + 1;
    const seen = Math.min(buf.length, tailEnd);
    const cr = buf.subarray(0, seen).indexOf(CR, tailStart);
    // Another frame (a late answer) came in during that pause: what follows is not this frame's
    // type, and its own tail may still be on the way. Keep the checked values and listen to the
    // end of the window, so the next request does not meet that tail (found by the full soak).
    const tail = buf.subarray(tailStart, cr >= 0 ? cr : seen);
    if (tail.includes(STAR) || tail.includes(LF)) return { kind: 'wait', verified: reply };
    if (cr >= 0) {
      reply.type = parseStandardType(buf, i, layout, cr);
      if (reply.type !== undefined) reply.fields.type = reply.type;
      return { kind: 'accept', reply, end: cr + 1 };
    }
    // no CR where the type should end: the values are checked, the tail is not a type
    if (buf.length >= tailEnd) return { kind: 'accept', reply, end: i + at.checksumAt + 1 };
    return { kind: 'wait', verified: reply };
  }

  /** Command 9: the first CR at which `<space><check>CR` checks out ends the frame. */
  private evaluateType(i: number, address: number, command: string): Verdict {
    const buf = this.buf;
    const limit = Math.min(buf.length, i + MAX_TEXT_FRAME);
    // text until ` <check>` CR: a byte that is not text can only be the check, so CR must follow it
    for (let p = i + 4; p + 1 < limit; p++) {
      if (buf[p] !== CR && !isTextByte(buf[p]) && buf[p + 1] !== CR) return { kind: 'reject', rejection: { reason: `byte 0x${hex2(buf[p])} at ${p - i} cannot be in a command 9 reply (garbled in transit)`, badCheck: false } };
    }
    let rejection: Rejection | undefined;
    for (let p = i + 6; p < limit; p++) {
      if (buf[p] !== CR) continue;
      const parsed = parseTypeReply(buf, i, p);
      if (parsed.ok) return { kind: 'accept', reply: { shape: 'type', address, command, raw: EMPTY, type: parsed.value }, end: p + 1 };
      if (parsed.badCheck || !rejection) rejection = parsed;
    }
    if (buf.length >= i + MAX_TEXT_FRAME) return { kind: 'reject', rejection: rejection ?? { reason: 'no end of the command 9 reply', badCheck: false } };
    return { kind: 'wait', rejection };
  }

  /** Frames whose bytes are all text end at the first CR; `parse` decides, `build` makes the reply. */
  private untilCr<T>(from: number, maxEnd: number, parse: (cr: number) => Parsed<T>, build: (value: T) => KacoReply, minTextToRefuse = 0): Verdict {
    const buf = this.buf;
    const cr = buf.subarray(0, Math.min(buf.length, maxEnd)).indexOf(CR, from);
    // all text up to the CR: a byte that is not text means the frame was spoilt, refuse it now
    const bad = firstNonText(buf, from, cr >= 0 ? cr : Math.min(buf.length, maxEnd));
    if (bad >= 0) {
      if (bad - from < minTextToRefuse) return SKIP;
      return { kind: 'reject', rejection: { reason: `byte 0x${hex2(buf[bad])} at ${bad - from} of a text reply (garbled in transit)`, badCheck: false } };
    }
    if (cr < 0) return buf.length >= maxEnd ? { kind: 'reject', rejection: { reason: `no CR within ${maxEnd - from} bytes`, badCheck: false } } : WAIT;
    const parsed = parse(cr);
    return parsed.ok ? { kind: 'accept', reply: build(parsed.value), end: cr + 1 } : { kind: 'reject', rejection: parsed };
  }

  private evaluateHeaderlessYield(i: number): Verdict {
    const buf = this.buf;
    return this.untilCr(i + 1, i + MAX_TEXT_FRAME, (cr) => parseYield(buf, i + 1, cr, false), (v) => ({ shape: 'yield', address: undefined, command: '3', raw: EMPTY, hadHeader: false, ...v }), HEADERLESS_TEXT_TO_REFUSE);
  }
}

/** An LF alone says little: a headerless command 3 counts as begun after this much text. */
const HEADERLESS_TEXT_TO_REFUSE = 8;

const isTextByte = (b: number): boolean => b >= 0x20 && b <= 0x7e;

/** Index of the first byte in [from, to) that is not printable ASCII, or -1. */
function firstNonText(buf: Uint8Array, from: number, to: number): number {
  for (let p = from; p < to; p++) if (!isTextByte(buf[p])) return p;
  return -1;
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

/** All of a reply at once (tests, captures): what the extractor makes of these bytes. */
export function decodeReply(bytes: Buffer, expect: ReplyExpectation): ExtractorOutcome {
  const extractor = new FrameExtractor(expect);
  extractor.push(bytes);
  return extractor.finish();
}
