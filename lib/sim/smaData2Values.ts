/**
 * A simulated SMA inverter's SMAData2+ records at a time of day: raw values as the device sends
 * them (lib/sma/lriTable.ts units: W, V/100, mA, Hz/100, Wh, s), with SMA's NaN markers where a
 * single-phase Sunny Mini Central has no phase 2 and 3 (as the real single-phase reply in
 * SBFspot #535), from the daylight curve. `snapshotFields` is what a reader must make of them.
 */
import { NAME_LRI } from '../sma/data2Fields';
import { LRI_FIELDS, STATUS_TAGS } from '../sma/lriTable';
import { daylight, daylightHoursSoFar, SUNRISE_H } from './daylightCurve';

export interface SmaSimDeviceSpec {
  susyId: number;
  serial: number;
  /** the device name it reports (text record 0x821E) */
  name: string;
  /** the user group's password; the installer group is refused unless `installerPassword` is set */
  password: string;
  installerPassword?: string;
  ratedW: number;
  /** DC inputs (MPPT / strings); default 1 */
  strings?: number;
  /** a reply with more records goes out in several frames (fragment count-down); default all in one */
  recordsPerFrame?: number;
  /** total yield before today, Wh; default 12 345 678 */
  eTotalBeforeTodayWh?: number;
}

export type SimRecordKind = 'u64' | 's32' | 'u32' | 'status' | 'text';

export interface SimRecord {
  lri: number;
  /** string / MPPT number, 1 for device-wide values */
  cls: number;
  kind: SimRecordKind;
  /** the raw value; undefined sends the kind's NaN marker */
  raw?: number;
  /** status records: the tags offered, and which is selected */
  tags?: readonly number[];
  selected?: number;
  text?: string;
}

/** Operating hours before today, s (ours: an inverter some years old). */
const OPERATING_BEFORE_TODAY_S = 20000 * 3600;
const FEED_IN_BEFORE_TODAY_S = 19000 * 3600;
const STATUS_OK = 307;
const RELAY_CLOSED = 51;

export function deviceRecords(spec: SmaSimDeviceSpec, hours: number): SimRecord[] {
  const share = daylight(hours);
  const strings = spec.strings ?? 1;
  const pac = Math.round(spec.ratedW * share);
  const uac = 23000 + Math.round(300 * share);
  const iac = Math.round((pac / (uac / 100)) * 1000);
  const eToday = Math.round(spec.ratedW * daylightHoursSoFar(hours));
  const sinceSunrise = Math.max(0, Math.round((hours - SUNRISE_H) * 3600));
  const records: SimRecord[] = [
    { lri: NAME_LRI, cls: 1, kind: 'text', text: spec.name },
    { lri: 0x2148, cls: 1, kind: 'status', tags: [35, 303, 307, 455], selected: STATUS_OK },
    { lri: 0x4164, cls: 1, kind: 'status', tags: [51, 311], selected: RELAY_CLOSED },
    { lri: 0x263f, cls: 1, kind: 's32', raw: pac },
    { lri: 0x4640, cls: 1, kind: 's32', raw: pac },
    { lri: 0x4641, cls: 1, kind: 's32' },
    { lri: 0x4642, cls: 1, kind: 's32' },
    { lri: 0x4648, cls: 1, kind: 'u32', raw: uac },
    { lri: 0x4649, cls: 1, kind: 'u32' },
    { lri: 0x464a, cls: 1, kind: 'u32' },
    { lri: 0x4653, cls: 1, kind: 'u32', raw: iac },
    { lri: 0x4654, cls: 1, kind: 'u32' },
    { lri: 0x4655, cls: 1, kind: 'u32' },
    { lri: 0x4657, cls: 1, kind: 'u32', raw: 5000 + Math.round(2 * share) },
    { lri: 0x2601, cls: 1, kind: 'u64', raw: (spec.eTotalBeforeTodayWh ?? 12345678) + eToday },
    { lri: 0x2622, cls: 1, kind: 'u64', raw: eToday },
    { lri: 0x462e, cls: 1, kind: 'u64', raw: OPERATING_BEFORE_TODAY_S + sinceSunrise },
    { lri: 0x462f, cls: 1, kind: 'u64', raw: FEED_IN_BEFORE_TODAY_S + sinceSunrise },
  ];
  for (let s = 1; s <= strings; s++) {
    // DC is a little above AC (the inverter's losses); each string a different voltage
    const pdc = Math.round((pac * 1.04) / strings);
    const udc = 30000 + 1500 * s + Math.round(2000 * share);
    records.push({ lri: 0x251e, cls: s, kind: 's32', raw: pdc });
    records.push({ lri: 0x451f, cls: s, kind: 's32', raw: udc });
    records.push({ lri: 0x4521, cls: s, kind: 's32', raw: Math.round((pdc / (udc / 100)) * 1000) });
  }
  return records;
}

/** The fields a correct reader makes of these records: raw × the table's scale, NaN left out, status as text. */
export function snapshotFields(records: readonly SimRecord[]): Record<string, number | string> {
  const fields: Record<string, number | string> = {};
  for (const r of records) {
    const f = LRI_FIELDS[r.lri];
    if (!f) continue;
    const name = f.perString ? `${f.field}_${r.cls}` : f.field;
    if (r.kind === 'status') fields[name] = STATUS_TAGS[r.selected ?? -1] ?? (r.selected as number);
    else if (r.raw !== undefined) fields[name] = r.raw * f.scale;
  }
  return fields;
}
