/**
 * Registers → engineering values. 0xFFFF (16-bit) and 0xFFFFFFFF (32-bit) mean "no value" and
 * become null; 32-bit values are most-significant word first; enums are also given as
 * `<name>_text`.
 */
import type { FieldDef } from './registerTypes';

export type Reading = number | string | null;
/** Field name → value (number, enum text, or null for "no value"). */
export type Readings = Record<string, Reading>;

const NO_VALUE_16 = 0xffff;
const NO_VALUE_32 = 0xffffffff;

/** Register values by address, as read. */
export type RegisterImage = ReadonlyMap<number, number>;

/** The raw integer of a field, or null when absent or "no value". */
export function rawValue(field: FieldDef, regs: RegisterImage): number | null {
  const hi = regs.get(field.address);
  if (hi === undefined) return null;
  if (field.width === 1) {
    if (hi === NO_VALUE_16) return null;
    return field.type === 'i16' && hi >= 0x8000 ? hi - 0x10000 : hi;
  }
  const lo = regs.get(field.address + 1);
  if (lo === undefined) return null;
  const u = hi * 0x10000 + lo;
  if (u === NO_VALUE_32) return null;
  return field.type === 'i32' && u >= 0x80000000 ? u - 0x100000000 : u;
}

function decimalsOf(x: number): number {
  if (Number.isInteger(x)) return 0;
  const s = String(x);
  return s.includes('e-') ? Number(s.split('e-')[1]) : (s.split('.')[1] ?? '').length;
}

/** The engineering value of a field, or null. Rounded to the scale's precision (no 52.345000000000006). */
export function fieldValue(field: FieldDef, regs: RegisterImage): number | null {
  const raw = rawValue(field, regs);
  if (raw === null) return null;
  const scale = field.scale ?? 1;
  const offset = field.offset ?? 0;
  const decimals = Math.max(decimalsOf(scale), decimalsOf(offset));
  return Number((raw * scale + offset).toFixed(decimals));
}

/** Text of an enum value: the table's text, or "unknown (N)". */
export function enumText(field: FieldDef, value: number | null): string | null {
  if (value === null || !field.enumText) return null;
  return field.enumText[value] ?? `unknown (${value})`;
}

/** Decodes `fields` from the register image; fields never read come out null. */
export function decodeFields(fields: readonly FieldDef[], regs: RegisterImage): Readings {
  const out: Readings = {};
  for (const f of fields) {
    const v = fieldValue(f, regs);
    out[f.name] = v;
    if (f.enumText) out[`${f.name}_text`] = enumText(f, v);
  }
  return out;
}

/** Puts a read's values into the register image. */
export function storeRead(regs: Map<number, number>, address: number, values: readonly number[]): void {
  values.forEach((v, i) => regs.set(address + i, v));
}
