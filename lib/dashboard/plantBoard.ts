/**
 * A PV reader's dashboard output (kaco-read, sma-read), one message per cycle for FlowFuse
 * Dashboard 2.0: payload one row per inverter for ui-table, msg.gauges the plant's totals for
 * ui-gauge / ui-text (Value msg.gauges.p_ac, msg.gauges.e_day_kwh).
 * An inverter asleep (no answer at night, the poller's "asleep") feeds in nothing: it counts 0 W
 * and keeps today's yield. One that fails is "offline since 12:03" and makes the totals empty
 * (''): a sum without it would look live and be wrong.
 */
import { clockText } from './clockText';
import { UNKNOWN, type GaugeValue, type Row } from './xwBoard';

export interface PlantTableMessage {
  topic: string;
  payload: Row[];
  gauges: { p_ac: GaugeValue; e_day_kwh: GaugeValue };
  timestamp: number;
}

export type PlantStatus = 'ok' | 'error' | 'asleep';
type Fields = Record<string, number | string>;

/** How one device family's fields read on the board. */
export interface PlantFields {
  /** AC power fed in, W */
  acPowerW(fields: Fields): number | null;
  /** energy fed in today, kWh */
  todayKwh(fields: Fields): number | null;
  /** the device's own state in words, when it says one */
  stateText(fields: Fields): string | undefined;
}

interface Latest {
  name: string;
  status: PlantStatus;
  /** since when the status is what it is (for asleep / offline) */
  since: number;
  /** the last good values of the day and when they came */
  fields: Fields | null;
  at: number;
}

const sameDay = (a: number, b: number): boolean => new Date(a).toDateString() === new Date(b).toDateString();
const round1 = (v: number): number => Math.round(v * 10) / 10;

export class PlantBoard {
  private readonly latest = new Map<string, Latest>();

  constructor(private readonly family: PlantFields) {}

  /** A reply's values, merged into the inverter's latest of the day. */
  reading(id: string, name: string, fields: Fields, at: number): void {
    const prev = this.latest.get(id);
    const sameDayBefore = prev?.fields && sameDay(prev.at, at) ? prev.fields : {};
    const since = prev && prev.status === 'ok' ? prev.since : at;
    this.latest.set(id, { name, status: 'ok', since, fields: { ...sameDayBefore, ...fields }, at });
  }

  /** The inverter's turn ended: ok, asleep or error (its values came before, as readings). */
  result(id: string, name: string, status: PlantStatus, at: number): void {
    const prev = this.latest.get(id);
    const since = prev && prev.status === status ? prev.since : at;
    this.latest.set(id, { name, status, since, fields: prev?.fields ?? null, at: prev?.at ?? at });
  }

  cycle(s: { startedAt: number; durationMs: number }, topic: string): PlantTableMessage {
    const now = s.startedAt + s.durationMs;
    const all = [...this.latest.values()];
    const payload = all.map((e): Row => {
      // numbers only from a reading of today; an offline inverter's are not shown as if live
      const f = e.status !== 'error' && e.fields && sameDay(e.at, now) ? e.fields : null;
      const today = f ? this.family.todayKwh(f) : null;
      return {
        inverter: e.name,
        state: e.status === 'ok' ? ((f && this.family.stateText(f)) ?? 'ok') : `${e.status === 'asleep' ? 'asleep' : 'offline'} since ${clockText(e.since)}`,
        'AC W': e.status === 'ok' ? (f ? this.family.acPowerW(f) : null) : e.status === 'asleep' ? 0 : null,
        'today kWh': today === null ? null : round1(today),
      };
    });
    const anyOffline = all.some((e) => e.status === 'error');
    const power = all.length === 0 || anyOffline ? UNKNOWN : all.reduce((sum, e) => sum + (e.status === 'ok' && e.fields ? (this.family.acPowerW(e.fields) ?? 0) : 0), 0);
    const days = payload.map((r) => r['today kWh']);
    const eDay = all.length === 0 || anyOffline || days.some((d) => d === null) ? UNKNOWN : round1(days.reduce((a: number, b) => a + Number(b), 0));
    return { topic, payload, gauges: { p_ac: power, e_day_kwh: eDay }, timestamp: now };
  }
}

export const numberField = (fields: Fields, name: string): number | null => (typeof fields[name] === 'number' ? (fields[name] as number) : null);
