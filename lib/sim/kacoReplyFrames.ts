/**
 * Reply frames a KACO inverter sends, built from field values: the standard protocol by its
 * fixed widths with the 1-byte sum, the generic protocol (NOE 20) with its CRC-16/X-25, command
 * 3 with or without header, command 9. Layouts come from lib/kaco, the one place they are kept.
 */
import { crc16X25, crcHex, kacoChecksum } from '../kaco/checksums';
import type { FieldValues } from '../kaco/frames';
import { GENERIC_LAYOUTS } from '../kaco/genericLayouts';
import { STANDARD_LAYOUTS, type StandardShape } from '../kaco/standardLayouts';

/** A reply and where its check sits, so faults can spoil exactly that. */
export interface ReplyFrame {
  bytes: Buffer;
  /** index of the checksum byte / first CRC character; -1 when the reply has none */
  checkAt: number;
  /** the check is hex text (CRC) rather than a raw byte (sum) */
  checkIsHex: boolean;
  /** where a long pause would fall (after the checksum on standard frames) */
  pauseAt: number;
}

const addr = (address: number): string => String(address).padStart(2, '0');
const num = (fields: FieldValues, name: string): number => {
  const v = fields[name];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new RangeError(`field ${name} must be a number, got ${String(v)}`);
  return v;
};

/** Right-aligned in `width`, clamped to what fits, as the inverter's display format would. */
function fixed(value: number, width: number, decimals: number): string {
  let text = value.toFixed(decimals);
  if (text.length > width) text = (10 ** (width - (decimals ? decimals + 1 : 0)) - 10 ** -decimals).toFixed(decimals);
  return text.padStart(width);
}

export function standardReply(address: number, command: string, fields: FieldValues, type: string, shape: StandardShape = 'standard'): ReplyFrame {
  const layout = STANDARD_LAYOUTS[shape];
  let body = `*${addr(address)}${command}`;
  for (const field of layout.fields) body += ` ${fixed(num(fields, field.name), field.width, field.decimals)}`;
  body += ' ';
  const head = Buffer.from(`\n${body}`, 'latin1');
  const check = kacoChecksum(head, 1);
  const bytes = Buffer.concat([head, Buffer.from([check]), Buffer.from(` ${type.padEnd(layout.typeWidth)}\r`, 'latin1')]);
  return { bytes, checkAt: head.length, checkIsHex: false, pauseAt: head.length + 1 };
}

const GENERIC_FORMAT: Record<string, number> = { cos_phi: 3, temperature: 1 };
function genericDecimals(name: string): number {
  if (name in GENERIC_FORMAT) return GENERIC_FORMAT[name];
  if (name.startsWith('u_')) return 1;
  if (name.startsWith('i_')) return 2;
  return 0;
}

export function genericReply(address: number, fields: FieldValues, type: string, noe = 20): ReplyFrame {
  const layout = GENERIC_LAYOUTS[noe];
  if (!layout) throw new RangeError(`no generic layout for NOE ${noe}`);
  let body = `*${addr(address)}n ${noe} ${type} ${num(fields, 'status')}`;
  for (const name of layout.values) body += ` ${num(fields, name).toFixed(genericDecimals(name)).padStart(6)}`;
  body += ' ';
  const head = Buffer.from(`\n${body}`, 'latin1');
  const crc = crcHex(crc16X25(head, 1));
  return { bytes: Buffer.concat([head, Buffer.from(`${crc}\r`, 'latin1')]), checkAt: head.length, checkIsHex: true, pauseAt: Math.floor(head.length / 2) };
}

function hhmm(hours: number, zeroPadded: boolean): string {
  const minutes = Math.round(hours * 60);
  const h = String(Math.floor(minutes / 60));
  return `${zeroPadded ? h.padStart(6, '0') : h}:${String(minutes % 60).padStart(2, '0')}`;
}

/**
 * Command 3. xi units send no header and the two yield counters in whole kWh; blueplanet units
 * send `*AA3` and Wh (shared/reference/kaco-rs485.md, captured frames).
 */
export function yieldReply(address: number, fields: FieldValues, withHeader: boolean): ReplyFrame {
  const perKWh = withHeader ? 1 : 1000;
  const counters = [num(fields, 'p_peak_day'), num(fields, 'e_day'), Math.round(num(fields, 'e_counter') / perKWh), Math.round(num(fields, 'e_total') / perKWh)];
  const hours = ['hours_today', 'hours_counter', 'hours_total'].map((n) => hhmm(num(fields, n), withHeader).padStart(9));
  const text = `${withHeader ? `*${addr(address)}3 ` : ''}${[...counters.map((c) => String(c).padStart(6)), ...hours].join(' ')}`;
  const bytes = Buffer.from(`\n${text}\r`, 'latin1');
  return { bytes, checkAt: -1, checkIsHex: false, pauseAt: Math.floor(bytes.length / 2) };
}

export function typeReply(address: number, type: string): ReplyFrame {
  const head = Buffer.from(`\n*${addr(address)}9 ${type} `, 'latin1');
  const check = kacoChecksum(head, 1);
  return { bytes: Buffer.concat([head, Buffer.from([check, 0x0d])]), checkAt: head.length, checkIsHex: false, pauseAt: head.length };
}
