/**
 * The two texts kacors485 kept of a command 0 frame besides its values: `last_command_sent`, the
 * frame's `*AAc` header, and `checksum`, its check as sent. pv_logger wrote both as strings.
 */
import type { KacoReply } from './frames';
import { offsetsOf } from './standardParser';
import { STANDARD_LAYOUTS } from './standardLayouts';

export interface FrameMarks {
  /** `*AAc`, e.g. `*010` (generic protocol: `*01n`) */
  header: string;
  /** standard: the check byte as its character when printable, else `0xNN`; generic: the CRC's 4 hex characters */
  check: string;
}

export function frameMarks(reply: KacoReply): FrameMarks | undefined {
  const raw = reply.raw;
  if (raw.length < 4 || raw[0] !== 0x2a) return undefined;
  const header = raw.subarray(0, 4).toString('latin1');
  if (reply.shape === 'standard') {
    const at = offsetsOf(STANDARD_LAYOUTS.standard).checksumAt;
    if (raw.length <= at) return undefined;
    const b = raw[at];
    // a space, CR, LF or NUL cannot be told apart in a text field (kacors485 split on them)
    return { header, check: b > 0x20 && b < 0x7f ? String.fromCharCode(b) : `0x${b.toString(16).padStart(2, '0')}` };
  }
  if (reply.shape === 'generic') {
    const end = raw[raw.length - 1] === 0x0d ? raw.length - 1 : raw.length;
    return { header, check: raw.subarray(end - 4, end).toString('latin1') };
  }
  return undefined;
}
