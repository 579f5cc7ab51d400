import { kacoChecksum } from './checksums';
import { fail, failCheck, ok, type FieldValues, type Parsed } from './frames';
import { asciiText, isPrintable, numberAt } from './numberText';
import { layoutOffsets, type StandardLayout, type LayoutOffsets, STANDARD_LAYOUTS, type StandardShape } from './standardLayouts';
import { kacoStatusText } from './statusCodes';

const SPACE = 0x20;
const OFFSETS: Readonly<Record<StandardShape, LayoutOffsets>> = {
  standard: layoutOffsets(STANDARD_LAYOUTS.standard),
  standard000xi: layoutOffsets(STANDARD_LAYOUTS.standard000xi),
};

export function offsetsOf(layout: StandardLayout): LayoutOffsets {
  return OFFSETS[layout.shape];
}

/**
 * The values of a standard-protocol frame whose `*` is at `start`, read by position: the
 * checksum byte may be any value (space, CR, LF, NUL…), so nothing here splits on whitespace.
 * Needs the bytes through the checksum; the checksum is verified before any value is read.
 */
export function parseStandardValues(bytes: Uint8Array, start: number, layout: StandardLayout): Parsed<FieldValues> {
  const at = offsetsOf(layout);
  if (bytes.length < start + at.checksumAt + 1) return fail(`frame too short: ${bytes.length - start} bytes, the checksum is at ${at.checksumAt}`);
  const expected = kacoChecksum(bytes, start, start + at.checksumAt);
  const sent = bytes[start + at.checksumAt];
  if (expected !== sent) return failCheck(`checksum mismatch: sent 0x${hex2(sent)}, computed 0x${hex2(expected)}`);
  if (bytes[start + at.checksumAt - 1] !== SPACE) return fail('no space before the checksum');
  const fields: FieldValues = {};
  for (let k = 0; k < layout.fields.length; k++) {
    const field = layout.fields[k];
    const from = start + at.fieldStarts[k];
    if (bytes[from - 1] !== SPACE) return fail(`no space before ${field.name}`);
    const value = numberAt(bytes, from, from + field.width);
    if (value === undefined) return fail(`${field.name} is not a number: ${JSON.stringify(asciiText(bytes, from, from + field.width))}`);
    fields[field.name] = value;
  }
  const status = fields.status as number;
  if (!Number.isInteger(status) || status < 0) return fail(`status is not a status code: ${status}`);
  fields.status_text = kacoStatusText(status);
  return ok(fields);
}

/**
 * The type text after the checksum: `<chk> <type>` then CR at `crAt`. Undefined when the tail
 * is not a space followed by printable text (the checked values stand without it).
 */
export function parseStandardType(bytes: Uint8Array, start: number, layout: StandardLayout, crAt: number): string | undefined {
  const at = offsetsOf(layout);
  if (bytes[start + at.checksumAt + 1] !== SPACE || crAt < start + at.typeAt) return undefined;
  const text = asciiText(bytes, start + at.typeAt, crAt).trim();
  return text.length > 0 && isPrintable(text) ? text : undefined;
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}
