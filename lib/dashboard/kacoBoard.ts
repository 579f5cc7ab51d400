/**
 * kaco-read's dashboard output, one message per cycle for FlowFuse Dashboard 2.0: payload one row
 * per inverter for ui-table, msg.gauges the plant's totals for ui-gauge / ui-text (Value
 * msg.gauges.p_ac, msg.gauges.e_day_kwh).
 * An inverter asleep (no answer at night, the poller's "asleep") feeds in nothing: it counts 0 W
 * and keeps today's yield. One that fails is "offline since 12:03" and makes the totals empty
 * (''): a sum without it would look live and be wrong.
 */
import type { CycleSummary, InverterReading, InverterResult } from '../kaco/kacoPoller';
import { clockText } from './clockText';
import { UNKNOWN, type GaugeValue, type Row } from './xwBoard';

export interface KacoTableMessage {
  topic: string;
  payload: Row[];
  gauges: { p_ac: GaugeValue; e_day_kwh: GaugeValue };
  timestamp: number;
}

interface Latest {
  name: string;
  status: InverterResult['status'];
  /** since when the status is what it is (for asleep / offline) */
  since: number;
  /** the last good reading and when it came */
  fields: Record<string, number | string> | null;
  at: number;
}

const sameDay = (a: number, b: number): boolean => new Date(a).toDateString() === new Date(b).toDateString();
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

export class KacoBoard {
  private readonly latest = new Map<string, Latest>();

  /** A reply's values (command 0's measurements or command 3's yield), merged into the inverter's latest of the day. */
  reading(r: InverterReading): void {
    const prev = this.latest.get(r.id);
    const sameDayBefore = prev?.fields && sameDay(prev.at, r.at) ? prev.fields : {};
    const since = prev && prev.status === 'ok' ? prev.since : r.at;
    this.latest.set(r.id, { name: r.name || `KACO ${r.address}`, status: 'ok', since, fields: { ...sameDayBefore, ...r.fields }, at: r.at });
  }

  /** The inverter's turn ended: ok, asleep or error (its values came before, as readings). */
  result(r: InverterResult): void {
    const prev = this.latest.get(r.id);
    const since = prev && prev.status === r.status ? prev.since : r.at;
    this.latest.set(r.id, { name: r.name || `KACO ${r.address}`, status: r.status, since, fields: prev?.fields ?? null, at: prev?.at ?? r.at });
  }

  cycle(s: CycleSummary, topic: string): KacoTableMessage {
    const now = s.startedAt + s.durationMs;
    const all = [...this.latest.values()];
    const payload = all.map((e): Row => {
      // numbers only from a reading of today; an offline inverter's are not shown as if live
      const f = e.status !== 'error' && e.fields && sameDay(e.at, now) ? e.fields : null;
      return {
        inverter: e.name,
        state: e.status === 'ok' ? (typeof f?.status_text === 'string' ? f.status_text : 'ok') : `${e.status === 'asleep' ? 'asleep' : 'offline'} since ${clockText(e.since)}`,
        'AC W': e.status === 'ok' ? num(f?.p_ac) : e.status === 'asleep' ? 0 : null,
        'today kWh': num(f?.e_day) === null ? null : round1(Number(f?.e_day) / 1000),
      };
    });
    const anyOffline = all.some((e) => e.status === 'error');
    const power = all.length === 0 || anyOffline ? UNKNOWN : all.reduce((sum, e) => sum + (e.status === 'ok' ? (num(e.fields?.p_ac) ?? 0) : 0), 0);
    const days = payload.map((r) => r['today kWh']);
    const eDay = all.length === 0 || anyOffline || days.some((d) => d === null) ? UNKNOWN : round1(days.reduce((a: number, b) => a + Number(b), 0));
    return { topic, payload, gauges: { p_ac: power, e_day_kwh: eDay }, timestamp: now };
  }
}

const round1 = (v: number): number => Math.round(v * 10) / 10;
