/**
 * xw-poll's dashboard outputs, shaped for FlowFuse Dashboard 2.0 widgets as they are
 * (shared reference node-red.md): one message per cycle whose payload is one row per unit for
 * ui-table and whose msg.gauges holds one number per summary field for ui-gauge / ui-text (their
 * "Value" setting: msg.gauges.battery_voltage); and one message per unit for ui-chart (topic the
 * unit, payload a number, timestamp the read time).
 * Stale data is marked: a unit that stopped answering is "offline since 12:03" with empty
 * numbers, and a gauge that would sum over a missing unit is empty rather than a partial sum.
 */
import type { Readings } from '../xw/decoder';
import type { PollSummary } from '../xw/pollSummary';
import type { UnitPoll } from '../xw/xwPoller';
import { XW_TABLE } from '../xw/registerTable';
import { clockText } from './clockText';
import { LatestBoard } from './latestBoard';

export type Cell = string | number | null;
export type Row = Record<string, Cell>;

/** the table's columns: header → how a reading fills it */
const COLUMNS: readonly [string, (r: Readings) => Cell][] = [
  ['state', (r) => [r.device_state_text, r.operating_mode_text].filter((t) => typeof t === 'string' && t !== '').join(' / ') || null],
  ['inverter', (r) => text(r.inverter_status_text)],
  ['charger', (r) => text(r.charger_status_text)],
  ['battery V', (r) => num(r.battery_voltage)],
  ['battery W', (r) => num(r.battery_power)],
  ['AC W', (r) => num(r.ac1_power)],
];

/** the summary's kinds of field (lib/xw/pollSummary): summed ones, and averaged ones */
const SUMMED_UNITS = new Set(['W', 'A', 'VA', 'kWh']);
/** an average over the units that answered still means something; a sum without one does not */
const AVERAGED_UNITS = new Set(['V', '°C', 'Hz']);

const text = (v: unknown): Cell => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): Cell => (typeof v === 'number' ? v : null);

/**
 * A gauge's value: a number, or '' when unknown. Not null: Dashboard 2's ui-gauge shows null as
 * its minimum (a number that looks real); '' shows no number (its needle reads '' as 0, clamped).
 */
export type GaugeValue = number | '';
export const UNKNOWN: GaugeValue = '';

export interface TableMessage {
  topic: string;
  /** one row per unit seen so far, for ui-table */
  payload: Row[];
  /** one number (or '' when unknown) per summary field, for ui-gauge's Value msg.gauges.<field> */
  gauges: Record<string, GaugeValue>;
  units_ok: number;
  units_total: number;
  timestamp: number;
}

export interface ChartMessage {
  topic: string;
  payload: number;
  timestamp: number;
}

export class XwBoard {
  private readonly board = new LatestBoard<Readings>();

  /** one cycle's polls and their summary → the table message (with gauges) */
  table(polls: readonly UnitPoll[], summary: PollSummary, topic: string, now: number): TableMessage {
    for (const p of polls) this.board.update(p.name, p.ok && p.readings ? p.readings : null, p.timestamp);
    const payload = this.board.all().map((e): Row => {
      const row: Row = { unit: e.name };
      for (const [header, cell] of COLUMNS) row[header] = e.latest ? cell(e.latest) : null;
      if (!e.latest) row.state = `offline since ${clockText(e.offlineSince ?? now)}`;
      return row;
    });
    return { topic, payload, gauges: gaugesOf(summary), units_ok: summary.units_ok, units_total: summary.units_total, timestamp: now };
  }
}

/** the summary's fields as gauge values; '' where the units that answered cannot tell */
export function gaugesOf(summary: PollSummary): Record<string, GaugeValue> {
  const out: Record<string, GaugeValue> = {};
  const complete = summary.units_ok === summary.units_total && summary.units_total > 0;
  for (const f of XW_TABLE.fields) {
    const averaged = AVERAGED_UNITS.has(f.unit);
    if (!averaged && !SUMMED_UNITS.has(f.unit)) continue;
    // every gauge field is present, '' when unknown: a widget shows empty, never the last value
    const v = summary[f.name];
    out[f.name] = typeof v === 'number' && (complete || averaged) ? v : UNKNOWN;
  }
  return out;
}

/** one point per unit that answered with a number in `field`, for ui-chart (series = topic) */
export function chartMessages(polls: readonly UnitPoll[], field: string): ChartMessage[] {
  const out: ChartMessage[] = [];
  for (const p of polls) {
    const v = p.ok ? p.readings?.[field] : undefined;
    if (typeof v === 'number') out.push({ topic: p.name, payload: v, timestamp: p.timestamp });
  }
  return out;
}
