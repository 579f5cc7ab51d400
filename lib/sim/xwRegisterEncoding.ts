/**
 * Engineering values → XW holding registers, for the simulator: the inverse of the decoder,
 * written independently so a test of one against the other means something.
 */
import type { FieldDef } from '../xw/registerTypes';

/** The registers (1 or 2, MSW first) carrying `value` in `field`; null → 0xFFFF / 0xFFFFFFFF. */
export function encodeField(field: FieldDef, value: number | null): number[] {
  if (value === null) return field.width === 1 ? [0xffff] : [0xffff, 0xffff];
  let raw = Math.round((value - (field.offset ?? 0)) / (field.scale ?? 1));
  if (field.width === 1) {
    if (raw < 0) raw += 0x10000;
    return [raw & 0xffff];
  }
  if (raw < 0) raw += 0x100000000;
  return [Math.floor(raw / 0x10000) & 0xffff, raw % 0x10000];
}
