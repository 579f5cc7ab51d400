import { kacoChecksum } from './checksums';
import { fail, failCheck, ok, type Parsed } from './frames';
import { asciiText, isPrintable } from './numberText';
import { checkCrcFrame } from './genericParser';

const SPACE = 0x20;

/**
 * Command 9: `*AA9 <type> <chk>` + CR with the 1-byte sum over `*` through the space before the
 * check, on both protocol families (verified on 6400xi, 8000xi and TL3 captures). The check
 * byte can be anything, CR included, so the caller offers each CR and this decides.
 */
export function parseTypeReply(bytes: Uint8Array, start: number, crAt: number): Parsed<string> {
  const checkAt = crAt - 1;
  if (checkAt < start + 6 || bytes[checkAt - 1] !== SPACE || bytes[start + 4] !== SPACE) return fail('not `*AA9 <type> <check>`');
  const computed = kacoChecksum(bytes, start, checkAt);
  if (computed !== bytes[checkAt]) return failCheck(`checksum mismatch: sent 0x${bytes[checkAt].toString(16)}, computed 0x${computed.toString(16)}`);
  const type = asciiText(bytes, start + 5, checkAt - 1).trim();
  if (type.length === 0 || !isPrintable(type)) return fail('type text is empty or not printable');
  return ok(type);
}

/** Command 8: `*AA8 <firmware text>` + CR. No check of its own; xi and blueplanet differ in content. */
export function parseFirmwareReply(bytes: Uint8Array, start: number, crAt: number): Parsed<string> {
  const text = asciiText(bytes, start + 4, crAt).trim();
  if (bytes[start + 4] !== SPACE || text.length === 0 || !isPrintable(text)) return fail('firmware text is empty or not printable');
  return ok(text);
}

/** Command s: `*AAs <serial> XXXX` + CR, CRC-16/X-25 like the generic protocol. */
export function parseSerialReply(bytes: Uint8Array, start: number, crAt: number): Parsed<string> {
  const body = checkCrcFrame(bytes, start, crAt);
  if (!body.ok) return body;
  const serial = body.value.trim();
  return serial.length > 0 ? ok(serial) : fail('empty serial number');
}
