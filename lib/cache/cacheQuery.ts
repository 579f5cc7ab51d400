import { isDate, isPlainObject } from './valueKinds';

/** A read of cached points: time range (ms since epoch), optional measurement and field. */
export interface CacheQuery {
  from: number;
  to: number;
  measurement?: string;
  field?: string;
  limit: number;
}

export class CacheQueryError extends Error {
  override readonly name = 'CacheQueryError';
}

export const QUERY_KEYS = ['from', 'to', 'measurement', 'field', 'limit'] as const;
export const QUERY_DEFAULT_SPAN_MS = 24 * 3600 * 1000;
export const QUERY_DEFAULT_LIMIT = 10000;
export const QUERY_MAX_LIMIT = 100000;

const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60000, h: 3600000, d: 86400000, w: 604800000 };

const HOW = `msg.cacheQuery is "stats" or an object {${QUERY_KEYS.join(', ')}}`;

export function parseCacheQuery(raw: unknown, now: number): CacheQuery {
  if (!isPlainObject(raw)) throw new CacheQueryError(`unknown query ${JSON.stringify(raw) ?? String(raw)}: ${HOW}`);
  for (const key of Object.keys(raw)) {
    if (!(QUERY_KEYS as readonly string[]).includes(key)) throw new CacheQueryError(`unknown query property "${key}": ${HOW}`);
  }
  const to = raw.to === undefined ? now : timeSpec(raw.to, 'to', now);
  const from = raw.from === undefined ? to - QUERY_DEFAULT_SPAN_MS : timeSpec(raw.from, 'from', now);
  if (from > to) throw new CacheQueryError(`query "from" (${new Date(from).toISOString()}) is after "to" (${new Date(to).toISOString()})`);
  const q: CacheQuery = { from, to, limit: QUERY_DEFAULT_LIMIT };
  if (raw.measurement !== undefined) {
    if (typeof raw.measurement !== 'string' || raw.measurement === '') throw new CacheQueryError('query "measurement" must be a non-empty string');
    q.measurement = raw.measurement;
  }
  if (raw.field !== undefined) {
    if (typeof raw.field !== 'string' || raw.field === '') throw new CacheQueryError('query "field" must be a non-empty string');
    q.field = raw.field;
  }
  if (raw.limit !== undefined) {
    const n = raw.limit;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > QUERY_MAX_LIMIT) {
      throw new CacheQueryError(`query "limit" must be a whole number from 1 to ${QUERY_MAX_LIMIT}`);
    }
    q.limit = n;
  }
  return q;
}

/** A time: ms since epoch, a Date, an ISO date text, "now", or relative to now ("-6h", "-30m", "-7d"). */
function timeSpec(value: unknown, name: string, now: number): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (isDate(value) && !Number.isNaN(value.getTime())) return value.getTime();
  if (typeof value === 'string') {
    if (value === 'now') return now;
    const rel = /^-(\d+(?:\.\d+)?)([smhdw])$/.exec(value);
    if (rel) return now - Number(rel[1]) * UNIT_MS[rel[2]];
    const t = Date.parse(value);
    if (!Number.isNaN(t)) return t;
  }
  throw new CacheQueryError(`query "${name}" ${JSON.stringify(value)} is not a time (ms since epoch, a date, "now" or "-6h", "-30m", "-7d")`);
}
