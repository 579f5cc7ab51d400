/**
 * Reply to command 0 in KACO's standard protocol: fixed-width, right-aligned, space-padded
 * fields in engineering units, each preceded by one space, then the 1-byte checksum, a space,
 * the type text and CR. Offsets below count from the `*` (the LF before it is not summed).
 *
 * Source: KACO "AN_RS485protocol_KACO_20110513_DE" §2.2 (spec example
 * `*030   4 355.9  2.92  1039 239.5  4.12   974  40   3229 <chk> 5000xi`), summarised in
 * shared/reference/kaco-rs485.md; series 00/02/xi offsets verified against captured 6400xi
 * and 8000xi frames (g4bri3lDev/kaco-rs485 tests/reference/captures.json). Series 000xi:
 * P dc and P ac 6 wide, T 2 wide, type 4 wide, per the reference; no capture to check it against.
 */
export interface FixedField {
  /** field name in readings (kacors485's names) */
  name: string;
  width: number;
  /** decimals as sent; 0 for integers */
  decimals: number;
}

export type StandardShape = 'standard' | 'standard000xi';

export interface StandardLayout {
  shape: StandardShape;
  series: string;
  fields: readonly FixedField[];
  /** width of the type text after the checksum */
  typeWidth: number;
}

const f = (name: string, width: number, decimals = 0): FixedField => ({ name, width, decimals });

export const STANDARD_LAYOUTS: Readonly<Record<StandardShape, StandardLayout>> = {
  standard: {
    shape: 'standard',
    series: '00/02/xi',
    fields: [f('status', 3), f('u_dc', 5, 1), f('i_dc', 5, 2), f('p_dc', 5), f('u_ac', 5, 1), f('i_ac', 5, 2), f('p_ac', 5), f('temperature', 3), f('e_day', 6)],
    typeWidth: 6,
  },
  standard000xi: {
    shape: 'standard000xi',
    series: '000xi',
    fields: [f('status', 3), f('u_dc', 5, 1), f('i_dc', 5, 2), f('p_dc', 6), f('u_ac', 5, 1), f('i_ac', 5, 2), f('p_ac', 6), f('temperature', 2), f('e_day', 6)],
    typeWidth: 4,
  },
};

/** Where things sit in a frame of this layout, counted from the `*`. */
export interface LayoutOffsets {
  /** start of each field's text (the space before it is at start - 1) */
  fieldStarts: readonly number[];
  /** the checksum byte; the sum covers [0, checksumAt) */
  checksumAt: number;
  /** first byte of the type text (after the checksum and its space) */
  typeAt: number;
}

const HEADER_LENGTH = 4; // `*` + two address digits + command

export function layoutOffsets(layout: StandardLayout): LayoutOffsets {
  const fieldStarts: number[] = [];
  let at = HEADER_LENGTH;
  for (const field of layout.fields) {
    fieldStarts.push(at + 1);
    at += 1 + field.width;
  }
  const checksumAt = at + 1; // the space after the last field is summed too
  return { fieldStarts, checksumAt, typeAt: checksumAt + 2 };
}

/** The longest type text accepted after the checksum (real ones are 4–6 characters). */
export const MAX_TYPE_LENGTH = 16;
