/**
 * The messages of xw-poll, shaped for the nodes they feed without a function node between
 * (shared reference node-red.md "Message shapes"):
 * - readings: payload the readings object (influxdb out fields, mongodb out document, ui-text)
 * - influxdb: payload [fields, tags] with fields.time (influxdb out, with tags)
 * - influxdb-batch: payload [{measurement, fields, tags, timestamp}] (influxdb batch)
 * - document: payload {time, inverter, unit, bus, ...fields} (mongodb out insert: one document per unit)
 * - value: payload one number, topic the unit name (dashboard ui-chart series / ui-gauge)
 * Fields with no value (null) are left out: influx line protocol has no null.
 */
import type { Readings } from '../../lib/xw/decoder';
import type { PollSummary } from '../../lib/xw/pollSummary';
import type { UnitPoll } from '../../lib/xw/xwPoller';
import type { PayloadShape } from './defaults';

export interface ShapeSettings {
  shape: PayloadShape;
  valueField: string;
  measurement: string;
}

export interface UnitTags {
  inverter: string;
  unit: string;
  bus: string;
}

type Msg = Record<string, unknown>;

function present(r: Readings): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const [k, v] of Object.entries(r)) if (v !== null) out[k] = v;
  return out;
}

/** Output 1: one unit's readings, or null when the shape has nothing to send (value absent). */
export function readingsMessage(p: UnitPoll, busLabel: string, s: ShapeSettings): Msg | null {
  if (!p.readings) return null;
  const tags: UnitTags = { inverter: p.name, unit: String(p.unit), bus: busLabel };
  const fields = present(p.readings);
  const common = { topic: p.name, measurement: s.measurement, tags, timestamp: p.timestamp };
  switch (s.shape) {
    case 'influxdb':
      return { ...common, payload: [{ ...fields, time: new Date(p.timestamp) }, tags] };
    case 'influxdb-batch':
      return { ...common, payload: [{ measurement: s.measurement, fields, tags, timestamp: new Date(p.timestamp) }] };
    case 'document':
      return { ...common, payload: { time: new Date(p.timestamp), ...tags, ...fields } };
    case 'value': {
      const v = p.readings[s.valueField];
      return typeof v === 'number' ? { ...common, payload: v } : null;
    }
    default:
      return { ...common, payload: fields };
  }
}

/** Output 2: the summary across units. */
export function summaryMessage(summary: PollSummary, nodeName: string, s: ShapeSettings, timestamp: number): Msg {
  const fields = Object.fromEntries(Object.entries(summary).filter(([, v]) => v !== null)) as Record<string, number>;
  const tags = { inverter: 'all', unit: 'all', bus: 'all' };
  const common = { topic: nodeName || 'xw summary', measurement: `${s.measurement}_summary`, tags, timestamp };
  switch (s.shape) {
    case 'influxdb':
      return { ...common, payload: [{ ...fields, time: new Date(timestamp) }, tags] };
    case 'influxdb-batch':
      return { ...common, payload: [{ measurement: common.measurement, fields, tags, timestamp: new Date(timestamp) }] };
    case 'document':
      return { ...common, payload: { time: new Date(timestamp), ...tags, ...fields } };
    case 'value':
      return { ...common, payload: fields[s.valueField] ?? null };
    default:
      return { ...common, payload: fields };
  }
}

/** Output 3: communication status of one unit. */
export function statusMessage(p: UnitPoll, busLabel: string): Msg {
  return {
    topic: p.name,
    payload: {
      inverter: p.name,
      unit: p.unit,
      bus: busLabel,
      last_request_status: p.ok ? 'ok' : 'error',
      error_msg: p.error ?? '',
      timestamp: p.timestamp,
    },
  };
}
