/**
 * SMA Data1 channel names → the reading's field names, as data. The names are the ones
 * lib/sma/lriTable.ts gives the same quantities over Bluetooth and Speedwire, so a device reads
 * the same whichever way it is reached (p_ac, u_dc_1, u_ac_l1, e_total in kWh, h_operating …).
 * Channel names are device-defined, German/English mixed; matched by name from the channel list,
 * never by position (shared/reference/sma.md §1.9).
 * Sources of the names: SWRNET §4 example list (SWR 700: Upv-Ist, Iac-Ist, Uac, Fac, Pac, Zac,
 * R-Iso, TKK, E-total, h-total, net-in, Snr, status, fault); yasdi2mqtt's sample of a real unit
 * (Iac, Uac, Fac, Pac, Zac, Riso, dI, Upv-Ist, PPV, E-Total, h-Total, h-On, Netz-Ein,
 * Seriennummer, Status, Fehler); SolarNetwork (Ipv, Vpv, E-Total).
 * ours: h-Total is the feed-in hours and h-On the operating hours (SMA's Sunny Boy manuals name
 * them so; not in the reference sheet).
 */
import type { Data1Channel, Data1Values } from './data1Channels';

export interface Data1FieldRow {
  /** channel names, compared without case */
  names: readonly string[];
  field: string;
  /** the field's unit; a channel in another prefix of it (mA for A, Wh for kWh) is converted */
  unit: string;
  /** a status channel: the field is its text */
  text?: boolean;
}

export const DATA1_FIELDS: readonly Data1FieldRow[] = [
  { names: ['Pac'], field: 'p_ac', unit: 'W' },
  { names: ['Upv-Ist', 'Upv', 'Vpv'], field: 'u_dc_1', unit: 'V' },
  { names: ['Ipv'], field: 'i_dc_1', unit: 'A' },
  { names: ['PPV', 'Ppv', 'Pdc'], field: 'p_dc_1', unit: 'W' },
  { names: ['Uac'], field: 'u_ac_l1', unit: 'V' },
  { names: ['Iac', 'Iac-Ist'], field: 'i_ac_l1', unit: 'A' },
  { names: ['Fac'], field: 'f_ac', unit: 'Hz' },
  { names: ['Zac'], field: 'z_ac', unit: 'Ohm' },
  { names: ['Riso', 'R-Iso'], field: 'r_iso', unit: 'kOhm' },
  { names: ['dI'], field: 'i_residual', unit: 'A' },
  { names: ['TKK', 'Temperatur', 'Temperature'], field: 'temperature', unit: '°C' },
  { names: ['E-Total', 'E-total'], field: 'e_total', unit: 'kWh' },
  { names: ['h-Total', 'h-total'], field: 'h_feed_in', unit: 'h' },
  { names: ['h-On'], field: 'h_operating', unit: 'h' },
  { names: ['Netz-Ein', 'net-in'], field: 'grid_connections', unit: '' },
  { names: ['Seriennummer', 'Snr'], field: 'serial', unit: '' },
  { names: ['Status', 'Mode'], field: 'status', unit: '', text: true },
  { names: ['Fehler', 'Error', 'fault'], field: 'error', unit: '', text: true },
];

const BY_NAME: ReadonlyMap<string, Data1FieldRow> = new Map(DATA1_FIELDS.flatMap((row) => row.names.map((n) => [n.toLowerCase(), row] as const)));

export function fieldRowOf(channelName: string): Data1FieldRow | undefined {
  return BY_NAME.get(channelName.trim().toLowerCase());
}

const PREFIX: Readonly<Record<string, number>> = { m: 1e-3, '': 1, k: 1e3, M: 1e6 };
const BASES = new Set(['v', 'a', 'w', 'wh', 'hz', 'ohm', 'h', 's', 'va', 'var', '°c']);
/** spellings of a unit seen in channel lists → one spelling */
const ALIASES: Readonly<Record<string, string>> = { degc: '°c', c: '°c', '\u00b0c': '°c', '\u2126': 'ohm' };

function splitUnit(unit: string): [string, string] {
  const u = unit.trim();
  const whole = u.toLowerCase();
  if (BASES.has(ALIASES[whole] ?? whole)) return ['', ALIASES[whole] ?? whole];
  const rest = u.slice(1).toLowerCase();
  if (u.length > 1 && u[0] in PREFIX && BASES.has(ALIASES[rest] ?? rest)) return [u[0], ALIASES[rest] ?? rest];
  return ['', whole];
}

/** Factor from the channel's unit to the field's; undefined when they measure different things. */
export function unitFactor(channelUnit: string, fieldUnit: string): number | undefined {
  if (channelUnit.trim() === '' || fieldUnit === '') return 1; // a channel without a unit is taken as it is
  const [cp, cb] = splitUnit(channelUnit);
  const [fp, fb] = splitUnit(fieldUnit);
  if (cb !== fb) return undefined;
  return PREFIX[cp] / PREFIX[fp];
}

function decimalsOf(x: number): number {
  const [mantissa, exponent] = Math.abs(x).toExponential().split('e');
  const fraction = mantissa.split('.')[1]?.length ?? 0;
  return Math.max(0, fraction - Number(exponent));
}

const MAX_DECIMALS = 9;

/**
 * The channel's value at the resolution its gain gives it. The gain travels as float32 (0.1
 * arrives as 0.10000000149…): the gain is taken back to the 7 digits a float32 carries, so
 * 2304 × gain 0.1 is 230.4, not 230.4000034.
 */
function tidy(value: number, ch: Data1Channel, factor: number): number {
  const format = ch.nType & 0x07;
  const scaled = ch.cls === 'analog' || ch.cls === 'counter';
  let v = value;
  let decimals = MAX_DECIMALS;
  if (scaled && format !== 4 && ch.gain !== 0) {
    const offset = ch.cls === 'analog' ? ch.offset : 0;
    const raw = Math.round((value - offset) / ch.gain);
    const gain = Number(ch.gain.toPrecision(7));
    const cleanOffset = Number(offset.toPrecision(7));
    decimals = Math.max(decimalsOf(gain), decimalsOf(cleanOffset));
    v = raw * gain + cleanOffset;
  }
  v *= factor;
  decimals = Math.min(MAX_DECIMALS, Math.max(0, decimals + Math.round(-Math.log10(factor))));
  return Number(v.toFixed(decimals));
}

/**
 * The fields of a spot reply. A channel not in the table, in a unit that is not the field's, or
 * without a value (not finite: the device has none) is left out.
 */
export function data1Fields(values: Data1Values, channels: readonly Data1Channel[]): Record<string, number | string> {
  const fields: Record<string, number | string> = {};
  for (const ch of channels) {
    const row = fieldRowOf(ch.name);
    const value = values.values[ch.name];
    if (!row || value === undefined || !Number.isFinite(value) || row.field in fields) continue;
    if (row.text) {
      fields[row.field] = values.texts[ch.name] ?? value;
      continue;
    }
    const factor = unitFactor(ch.unit, row.unit);
    if (factor === undefined) continue;
    fields[row.field] = tidy(value, ch, factor);
  }
  return fields;
}
