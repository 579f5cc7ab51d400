import { crc16X25 } from './checksums';
import { fail, failCheck, ok, type FieldValues, type Parsed } from './frames';
import { GENERIC_HEAD_ELEMENTS, GENERIC_LAYOUTS } from './genericLayouts';
import { asciiText, isPrintable, numberText } from './numberText';
import { kacoStatusText } from './statusCodes';

const SPACE = 0x20;
const HEX4 = /^[0-9A-Fa-f]{4}$/;

/**
 * A CRC-checked frame: `*AAc` + text + ` XXXX` before the CR at `crAt`, the CRC-16/X-25 taken
 * over `*` through the space before it. Returns the text between the header and that space.
 */
export function checkCrcFrame(bytes: Uint8Array, start: number, crAt: number): Parsed<string> {
  const crcAt = crAt - 4;
  if (crcAt < start + 5) return fail('frame too short for a CRC');
  if (bytes[crcAt - 1] !== SPACE) return fail('no space before the CRC');
  const sent = asciiText(bytes, crcAt, crAt);
  if (!HEX4.test(sent)) return fail(`CRC is not 4 hex characters: ${JSON.stringify(sent)}`);
  const computed = crc16X25(bytes, start, crcAt);
  if (computed !== parseInt(sent, 16)) return failCheck(`CRC mismatch: sent ${sent}, computed ${computed.toString(16).toUpperCase().padStart(4, '0')}`);
  const body = asciiText(bytes, start + 4, crcAt - 1);
  if (!isPrintable(body)) return fail('non-printable bytes in a CRC-checked frame');
  return ok(body);
}

export interface GenericValues {
  noe: number;
  fields: FieldValues;
}

/**
 * Command 0 in the generic protocol: `*AAn NOE TYP STA v1 … vN CRC`. The fields are space
 * separated (the CRC is hex text, so no byte in the frame can be mistaken for a separator);
 * the CRC is checked first, then the values are laid out by NOE (genericLayouts.ts).
 */
export function parseGeneric(bytes: Uint8Array, start: number, crAt: number): Parsed<GenericValues> {
  const body = checkCrcFrame(bytes, start, crAt);
  if (!body.ok) return body;
  const tokens = body.value.split(' ').filter((t) => t.length > 0);
  if (tokens.length < GENERIC_HEAD_ELEMENTS) return fail('generic frame without NOE, type and status');
  const [noeText, type, statusText] = tokens;
  const noe = numberText(noeText);
  const status = numberText(statusText);
  if (noe === undefined || !Number.isInteger(noe)) return fail(`NOE is not a number: ${JSON.stringify(noeText)}`);
  if (status === undefined || !Number.isInteger(status) || status < 0) return fail(`status is not a status code: ${JSON.stringify(statusText)}`);
  const values = tokens.slice(GENERIC_HEAD_ELEMENTS);
  if (values.length !== noe - GENERIC_HEAD_ELEMENTS) return fail(`NOE says ${noe} elements, the frame has ${tokens.length}`);
  const names = GENERIC_LAYOUTS[noe]?.values ?? values.map((_, k) => `value_${k + 1}`);
  const fields: FieldValues = { status, status_text: kacoStatusText(status), type };
  for (let k = 0; k < values.length; k++) {
    const name = names[k];
    let text = values[k];
    if (name === 'cos_phi' && /[cio]$/.test(text)) {
      fields.cos_phi_kind = text.slice(-1);
      text = text.slice(0, -1);
    }
    const value = numberText(text);
    if (value === undefined) return fail(`${name} is not a number: ${JSON.stringify(values[k])}`);
    fields[name] = value;
  }
  return ok({ noe, fields });
}
