/** Types of the XW register table (lib/xw/registerTable.ts). */

/** How a value is laid out in holding registers. 32-bit values are most-significant word first. */
export type RegisterType = 'u16' | 'i16' | 'u32' | 'i32';

export function registerWidth(type: RegisterType): 1 | 2 {
  return type === 'u32' || type === 'i32' ? 2 : 1;
}

/** One named value of a unit. */
export interface FieldSpec {
  /** snake_case name used in readings, commands and flows */
  name: string;
  /** 0-based address as sent on the wire */
  address: number;
  type: RegisterType;
  /** engineering value = raw × scale + offset (default scale 1, offset 0) */
  scale?: number;
  offset?: number;
  /** engineering unit of the value, '' when none */
  unit: string;
  /** raw value → text; the decoder also reports `<name>_text` */
  enumText?: Readonly<Record<number, string>>;
  /** true for control registers a command may write */
  writable?: boolean;
  description: string;
}

/** A span of registers that exists on the unit but whose meaning is not documented publicly. */
export interface ReservedSpec {
  reserved: number;
  address: number;
}

/**
 * One documented contiguous range of registers. Its entries must tile it exactly, in order, so a
 * wrong address or type fails at load ("got X, expected Y"), not on the bus.
 */
export interface BlockSpec {
  name: string;
  first: number;
  last: number;
  source: string;
  entries: readonly (FieldSpec | ReservedSpec)[];
}

/** A field after checking: with its block and width resolved. */
export interface FieldDef extends FieldSpec {
  width: 1 | 2;
  block: string;
  /** first address after the field */
  end: number;
}
