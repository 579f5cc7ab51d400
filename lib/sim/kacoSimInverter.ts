/**
 * One simulated KACO inverter: what it would measure at a time of day (a daylight curve), in
 * the resolution its frames carry, so the values a client reads equal this state exactly.
 * Overrides pin any value for a test.
 */
import type { FieldValues } from '../kaco/frames';
import { kacoStatusText } from '../kaco/statusCodes';
import { daylight, daylightHoursSoFar, SUNRISE_H } from './daylightCurve';

export type SimProtocol = 'standard' | 'generic';

export interface SimInverterSpec {
  address: number;
  /** standard: an xi unit (reply 0); generic: a TL3 (reply n, NOE 20) */
  protocol?: SimProtocol;
  /** what command 9 (and the standard frame's tail) names; default 5000xi / 086L32 */
  type?: string;
  /** default 5000 W (standard) or 10000 W (generic) */
  ratedPowerW?: number;
  /** total yield before today, kWh; default 25000 */
  totalBeforeTodayKWh?: number;
  /** commands it never answers, as some types and firmwares leave out command 3 or 9; default none */
  silentCommands?: readonly string[];
}

export interface SimSnapshot {
  /** false at night: the inverter is switched off and silent */
  awake: boolean;
  /** command 0 fields, as a client should decode them */
  measurements: FieldValues;
  /** command 3 fields, as a client should decode them (energy in Wh) */
  yield: FieldValues;
  type: string;
}

const AC_EFFICIENCY = 0.955;
const round = (v: number, decimals: number): number => Number(v.toFixed(decimals));
/** minutes as the hours a `hhhh:mm` counter decodes to (same rounding as lib/kaco's parser) */
const hoursOf = (minutes: number): number => Math.round((Math.floor(minutes / 60) + (minutes % 60) / 60) * 10000) / 10000;

export class SimInverter {
  readonly address: number;
  readonly protocol: SimProtocol;
  readonly type: string;
  readonly ratedPowerW: number;
  readonly totalBeforeTodayKWh: number;
  /** a test may change it while running */
  readonly silentCommands: Set<string>;
  /** values pinned by a test, over whatever the curve says */
  readonly overrides: FieldValues = {};

  constructor(spec: SimInverterSpec) {
    if (!Number.isInteger(spec.address) || spec.address < 1 || spec.address > 32) throw new RangeError(`address must be 1–32, got ${spec.address}`);
    this.address = spec.address;
    this.protocol = spec.protocol ?? 'standard';
    this.type = spec.type ?? (this.protocol === 'standard' ? '5000xi' : '086L32');
    this.ratedPowerW = spec.ratedPowerW ?? (this.protocol === 'standard' ? 5000 : 10000);
    this.totalBeforeTodayKWh = spec.totalBeforeTodayKWh ?? 25000;
    this.silentCommands = new Set(spec.silentCommands ?? []);
  }

  snapshot(hours: number): SimSnapshot {
    const sun = daylight(hours);
    const pDc = Math.round(this.ratedPowerW * sun);
    const pAc = Math.round(pDc * AC_EFFICIENCY);
    const eDay = Math.round(this.ratedPowerW * AC_EFFICIENCY * daylightHoursSoFar(hours));
    const status = sun === 0 ? 15 : sun < 0.3 ? 4 : 5;
    const uDc = round(300 + 120 * sun, 1);
    const uAc = 230.4;
    const temperature = Math.round(20 + 30 * sun);
    const common: FieldValues = { status, status_text: kacoStatusText(status), p_dc: pDc, p_ac: pAc, e_day: eDay, type: this.type };
    const measurements: FieldValues =
      this.protocol === 'standard'
        ? { ...common, u_dc: uDc, i_dc: round(pDc / uDc, 2), u_ac: uAc, i_ac: round(pAc / uAc, 2), temperature }
        : {
            ...common,
            u_dc1: uDc,
            i_dc1: round(pDc / 2 / uDc, 2),
            p_dc1: Math.round(pDc / 2),
            u_dc2: round(uDc - 2.5, 1),
            i_dc2: round(pDc / 2 / (uDc - 2.5), 2),
            p_dc2: pDc - Math.round(pDc / 2),
            u_ac1: uAc,
            i_ac1: round(pAc / 3 / uAc, 2),
            u_ac2: round(uAc + 1.1, 1),
            i_ac2: round(pAc / 3 / (uAc + 1.1), 2),
            u_ac3: round(uAc - 0.8, 1),
            i_ac3: round(pAc / 3 / (uAc - 0.8), 2),
            cos_phi: 1,
            temperature: round(20 + 30 * sun, 1),
          };
    Object.assign(measurements, this.overrides);
    if (typeof measurements.status === 'number') measurements.status_text = kacoStatusText(measurements.status);
    const hoursToday = Math.max(0, Math.min(hours, 18) - SUNRISE_H);
    const minutesToday = Math.floor(hoursToday * 60);
    const totalMinutes = 61_000 * 60 + minutesToday;
    const dailyPeak = Math.round(this.ratedPowerW * (hours >= 12 ? 1 : daylight(hours)));
    const eDayNow = measurements.e_day as number;
    // xi units send the counters in kWh: keep them whole kWh so Wh = kWh × 1000 exactly
    const totalWh = this.protocol === 'standard' ? (this.totalBeforeTodayKWh + Math.floor(eDayNow / 1000)) * 1000 : this.totalBeforeTodayKWh * 1000 + eDayNow;
    const yieldFields: FieldValues = {
      p_peak_day: dailyPeak,
      e_day: eDayNow,
      e_counter: totalWh,
      e_total: totalWh,
      hours_today: hoursOf(minutesToday),
      hours_counter: hoursOf(totalMinutes),
      hours_total: hoursOf(totalMinutes),
    };
    return { awake: sun > 0, measurements, yield: yieldFields, type: this.type };
  }
}
