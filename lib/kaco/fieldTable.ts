/**
 * Every field a KACO reading can carry: name, unit, meaning and the command it comes from.
 * Names follow what the old logger (kacors485 via pv_logger) wrote where it had one, so existing
 * InfluxDB series and Grafana panels keep working; energy is always Wh here.
 * Source of units: shared/reference/kaco-rs485.md (KACO protocol note and implementations).
 */
export interface FieldInfo {
  name: string;
  unit: string;
  meaning: string;
  /** which request delivers it */
  from: 'command 0' | 'command 0 (generic)' | 'command 0 (000xi)' | 'command 3' | 'command 9';
}

const row = (name: string, unit: string, meaning: string, from: FieldInfo['from']): FieldInfo => ({ name, unit, meaning, from });

const perTracker = (k: number): FieldInfo[] => [
  row(`u_dc${k}`, 'V', `DC voltage of MPP tracker ${k} (000xi: of sub-inverter ${k})`, 'command 0 (generic)'),
  row(`i_dc${k}`, 'A', `DC current of MPP tracker ${k} (000xi: of sub-inverter ${k})`, 'command 0 (generic)'),
  row(`p_dc${k}`, 'W', `DC power of MPP tracker ${k} (000xi: of sub-inverter ${k})`, 'command 0 (generic)'),
];
const perPhase = (k: number): FieldInfo[] => [
  row(`u_ac${k}`, 'V', `grid voltage of phase ${k} (000xi: of sub-inverter ${k})`, 'command 0 (generic)'),
  row(`i_ac${k}`, 'A', `grid current of phase ${k} (000xi: of sub-inverter ${k})`, 'command 0 (generic)'),
];
const perSubInverter = (k: number): FieldInfo[] => [
  row(`p_ac${k}`, 'W', `fed-in power of sub-inverter ${k}`, 'command 0 (000xi)'),
  row(`temperature${k}`, '°C', `device temperature of sub-inverter ${k}`, 'command 0 (000xi)'),
  row(`e_day${k}`, 'Wh', `energy today of sub-inverter ${k}`, 'command 0 (000xi)'),
  row(`status${k}`, '', `status code of sub-inverter ${k}`, 'command 0 (000xi)'),
];

export const KACO_FIELDS: readonly FieldInfo[] = [
  row('status', '', 'operating state code (table in the help; 000xi: of sub-inverter 1)', 'command 0'),
  row('status_text', '', 'operating state in words', 'command 0'),
  row('u_dc', 'V', 'DC (generator) voltage', 'command 0'),
  row('i_dc', 'A', 'DC (generator) current', 'command 0'),
  row('p_dc', 'W', 'DC (generator) power; generic and 000xi: total', 'command 0'),
  row('u_ac', 'V', 'grid voltage', 'command 0'),
  row('i_ac', 'A', 'grid current', 'command 0'),
  row('p_ac', 'W', 'power fed into the grid; generic and 000xi: total', 'command 0'),
  row('temperature', '°C', 'device temperature (generic: circuit board; 000xi: the highest)', 'command 0'),
  row('e_day', 'Wh', 'energy fed in today', 'command 0'),
  row('type', '', 'inverter type as the inverter names itself (e.g. 5000xi; generic: its type code)', 'command 0'),
  ...[1, 2, 3].flatMap(perTracker),
  ...[1, 2, 3].flatMap(perPhase),
  row('cos_phi', '', 'power factor', 'command 0 (generic)'),
  row('cos_phi_kind', '', 'c capacitive, i inductive, o as sent after cos φ (only when sent)', 'command 0 (generic)'),
  ...[1, 2, 3].flatMap(perSubInverter),
  row('p_peak_day', 'W', 'peak power today', 'command 3'),
  row('e_counter', 'Wh', 'resettable energy counter', 'command 3'),
  row('e_total', 'Wh', 'total energy since commissioning (xi send kWh; converted)', 'command 3'),
  row('hours_today', 'h', 'operating hours today', 'command 3'),
  row('hours_counter', 'h', 'resettable operating hours counter', 'command 3'),
  row('hours_total', 'h', 'total operating hours', 'command 3'),
];

export const KACO_FIELD_NAMES: ReadonlySet<string> = new Set(KACO_FIELDS.map((f) => f.name));

/** Generic frames with an NOE this package has no layout for report their values under these names. */
export function isUnlaidGenericField(name: string): boolean {
  return /^value_\d+$/.test(name);
}
