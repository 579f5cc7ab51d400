import { isDate, isPlainObject } from './valueKinds';

/**
 * The payload shapes node-red-contrib-influxdb accepts (its influxdb.js, 0.7): `influxdb out`
 * takes a value (field `value`), an object of fields, `[fields, tags]` or
 * `[[fields, tags], …]`, with a `time` field as the timestamp and the measurement from
 * msg.measurement; `influxdb batch` takes `[{measurement, fields, tags, timestamp}, …]`.
 * A timestamp must be a Date or a number in the write precision (nanoseconds by default), so
 * the cache stamps a Date: it is right for every precision and every InfluxDB version.
 */

export type InfluxShape = 'value' | 'fields' | 'fields-tags' | 'points' | 'batch' | 'other';

export interface CachedPoint {
  measurement: string;
  /** ms since the epoch */
  time: number;
  fields: Record<string, unknown>;
  tags: Record<string, string>;
}

type Fields = Record<string, unknown>;

export function shapeOf(payload: unknown): InfluxShape {
  if (typeof payload === 'number' || typeof payload === 'string' || typeof payload === 'boolean') return 'value';
  if (Array.isArray(payload)) {
    if (payload.length === 0) return 'other';
    if (payload.every((p) => isPlainObject(p) && isPlainObject(p.fields) && typeof p.measurement === 'string')) return 'batch';
    if (Array.isArray(payload[0])) return payload.every((p) => Array.isArray(p) && isPlainObject(p[0])) ? 'points' : 'other';
    return isPlainObject(payload[0]) ? 'fields-tags' : 'other';
  }
  return isPlainObject(payload) ? 'fields' : 'other';
}

/**
 * Sets `at` as the timestamp of every point of msg.payload that has none, in the field the
 * InfluxDB nodes read. A bare value becomes `{value, time}`, which they write identically.
 * Returns whether anything was set.
 */
export function stampTime(msg: Record<string, unknown>, at: Date): boolean {
  const payload = msg.payload;
  let stamped = false;
  const stampFields = (fields: Fields): void => {
    if (fields.time === undefined || fields.time === null) {
      fields.time = new Date(at.getTime());
      stamped = true;
    }
  };
  switch (shapeOf(payload)) {
    case 'value':
      msg.payload = { value: payload, time: new Date(at.getTime()) };
      return true;
    case 'fields':
      stampFields(payload as Fields);
      break;
    case 'fields-tags':
      stampFields((payload as Fields[])[0]);
      break;
    case 'points':
      for (const p of payload as Fields[][]) stampFields(p[0]);
      break;
    case 'batch':
      for (const p of payload as Fields[]) {
        if (p.timestamp === undefined || p.timestamp === null) {
          p.timestamp = new Date(at.getTime());
          stamped = true;
        }
      }
      break;
    default:
      break;
  }
  return stamped;
}

/** The points msg would write, for queries; `fallbackTime` where a point has no timestamp. */
export function pointsOf(msg: Record<string, unknown>, fallbackTime: number): CachedPoint[] {
  const payload = msg.payload;
  const measurement = typeof msg.measurement === 'string' ? msg.measurement : '';
  const precision = typeof msg.precision === 'string' ? msg.precision : undefined;
  const point = (fields: Fields, tags: unknown, time: unknown, m = measurement): CachedPoint => {
    const { time: _ignored, ...rest } = fields;
    return { measurement: m, time: timeToMs(time, precision) ?? fallbackTime, fields: rest, tags: tagsOf(tags) };
  };
  switch (shapeOf(payload)) {
    case 'value':
      return [point({ value: payload }, undefined, undefined)];
    case 'fields':
      return [point(payload as Fields, undefined, (payload as Fields).time)];
    case 'fields-tags': {
      const [fields, tags] = payload as [Fields, unknown];
      return [point(fields, tags, fields.time)];
    }
    case 'points':
      return (payload as [Fields, unknown][]).map(([fields, tags]) => point(fields, tags, fields.time));
    case 'batch':
      return (payload as Fields[]).map((p) => point(p.fields as Fields, p.tags, p.timestamp, p.measurement as string));
    default:
      return [];
  }
}

function tagsOf(tags: unknown): Record<string, string> {
  if (!isPlainObject(tags)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(tags)) if (v !== undefined && v !== null) out[k] = String(v);
  return out;
}

const PRECISION_TO_MS: Readonly<Record<string, number>> = { n: 1e-6, ns: 1e-6, u: 1e-3, us: 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000 };

/**
 * A point time in ms since the epoch. Dates and ISO strings are exact; a number (or numeric
 * string) is read in msg.precision when given, else by its magnitude (InfluxDB writes default
 * to nanoseconds, users often send ms or s).
 */
export function timeToMs(value: unknown, precision?: string): number | undefined {
  if (isDate(value)) return Number.isNaN(value.getTime()) ? undefined : value.getTime();
  let n: number | undefined;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string') {
    if (/^-?\d+(\.\d+)?$/.test(value)) n = Number(value);
    else {
      const parsed = Date.parse(value);
      return Number.isNaN(parsed) ? undefined : parsed;
    }
  }
  if (n === undefined || !Number.isFinite(n)) return undefined;
  const scale = precision !== undefined && PRECISION_TO_MS[precision] !== undefined ? PRECISION_TO_MS[precision] : magnitudeScale(n);
  return Math.round(n * scale);
}

function magnitudeScale(n: number): number {
  const a = Math.abs(n);
  if (a >= 1e17) return 1e-6;
  if (a >= 1e14) return 1e-3;
  if (a >= 1e11) return 1;
  return 1000;
}
