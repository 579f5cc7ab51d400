import { pointsOf, shapeOf, type CachedPoint } from './influxPoints';
import { isPlainObject } from './valueKinds';

/**
 * How a backlog is re-sent, chosen for the database node wired to the cache's first output
 * (node-red-contrib-influxdb 0.7, node-red-node-mongodb 0.2; docs/cache.md "Draining a backlog"):
 * - `influxdb-batch`: `influxdb batch` writes `[{measurement, fields, tags, timestamp}, …]` in
 *   one request, so any stored InfluxDB messages become one batch of points;
 * - `influxdb-out`: `influxdb out` writes `[[fields, tags], …]` for one `msg.measurement`, so
 *   messages are grouped by measurement (their order across measurements does not matter to
 *   InfluxDB: each point carries its own time);
 * - `mongodb-insert`: `mongodb out` with operation insert and "only store msg.payload" inserts
 *   an array payload as many documents, so payloads are grouped by `msg.collection`;
 * - `single`: anything else, or nodes of different kinds: one message per stored message.
 */
export type ResendForm = 'influxdb-batch' | 'influxdb-out' | 'mongodb-insert' | 'single';

/** What the cache can know of a node wired to its first output. */
export interface DownstreamNode {
  type: string;
  operation?: unknown;
  payonly?: unknown;
}

function formOf(n: DownstreamNode): ResendForm {
  if (n.type === 'influxdb batch') return 'influxdb-batch';
  if (n.type === 'influxdb out') return 'influxdb-out';
  if (n.type === 'mongodb out' && n.operation === 'insert' && n.payonly === true) return 'mongodb-insert';
  return 'single';
}

/** The form that suits every node on the output; `single` when none is wired or they differ. */
export function resendFormFor(nodes: readonly DownstreamNode[]): ResendForm {
  const forms = new Set(nodes.map(formOf));
  return forms.size === 1 ? [...forms][0] : 'single';
}

export interface PendingMessage {
  id: number;
  msg: Record<string, unknown>;
  storedAt: number;
}

/** One message to send and the stored messages it carries (acknowledged together). */
export interface ResendBatch {
  ids: number[];
  msg: Record<string, unknown>;
}

const INFLUX_SHAPES = new Set(['value', 'fields', 'fields-tags', 'points', 'batch']);

/**
 * Turns pending messages (oldest first) into the messages to send in `form`. A message that
 * cannot be merged (another shape, or properties the merged message could not keep) goes alone,
 * exactly as it was stored.
 */
export function composeBatches(messages: readonly PendingMessage[], form: ResendForm): ResendBatch[] {
  if (form === 'single' || messages.length <= 1) return messages.map((m) => ({ ids: [m.id], msg: m.msg }));
  const alone: ResendBatch[] = [];
  const groups = new Map<string, { ids: number[]; items: unknown[]; first: Record<string, unknown> }>();
  const add = (key: string, m: PendingMessage, items: unknown[]): void => {
    const g = groups.get(key);
    if (g) {
      g.ids.push(m.id);
      g.items.push(...items);
    } else groups.set(key, { ids: [m.id], items: [...items], first: m.msg });
  };
  for (const m of messages) {
    const key = groupKey(m.msg, form);
    if (key === undefined) {
      alone.push({ ids: [m.id], msg: m.msg });
      continue;
    }
    if (form === 'mongodb-insert') add(key, m, [m.msg.payload]);
    else {
      const points = pointsOf(m.msg, m.storedAt);
      add(key, m, form === 'influxdb-batch' ? points.map(batchPoint) : points.map(outPoint));
    }
  }
  const merged: ResendBatch[] = [];
  for (const g of groups.values()) {
    if (g.ids.length === 1) {
      merged.push({ ids: g.ids, msg: messages.find((m) => m.id === g.ids[0])!.msg });
      continue;
    }
    const msg: Record<string, unknown> = { payload: g.items };
    for (const k of KEPT[form]) if (g.first[k] !== undefined) msg[k] = g.first[k];
    merged.push({ ids: g.ids, msg });
  }
  return [...merged, ...alone].sort((a, b) => a.ids[0] - b.ids[0]);
}

/** Message properties the database node reads besides the payload, kept on a merged message. */
const KEPT: Readonly<Record<ResendForm, readonly string[]>> = {
  'influxdb-batch': [],
  'influxdb-out': ['measurement'],
  'mongodb-insert': ['collection'],
  single: [],
};
/** Properties a merged message takes in: kept, or (the measurement of a batch point) moved into each point. */
const TAKEN: Readonly<Record<ResendForm, readonly string[]>> = { ...KEPT, 'influxdb-batch': ['measurement'] };

/** Messages with the same key can share one message; undefined: this one goes alone. */
function groupKey(msg: Record<string, unknown>, form: ResendForm): string | undefined {
  // Anything else on the message (a topic is harmless) might be read by the node: keep it alone.
  for (const k of Object.keys(msg)) if (k !== 'payload' && k !== 'topic' && !TAKEN[form].includes(k)) return undefined;
  if (form === 'mongodb-insert') {
    if (!isPlainObject(msg.payload)) return undefined;
    return typeof msg.collection === 'string' ? `c:${msg.collection}` : msg.collection === undefined ? 'c' : undefined;
  }
  const shape = shapeOf(msg.payload);
  if (!INFLUX_SHAPES.has(shape)) return undefined;
  // a batch point needs its measurement: a message relying on the node's own goes alone
  if (form === 'influxdb-batch') return shape === 'batch' || (typeof msg.measurement === 'string' && msg.measurement !== '') ? 'all' : undefined;
  if (shape === 'batch') return undefined;
  return typeof msg.measurement === 'string' ? `m:${msg.measurement}` : msg.measurement === undefined ? 'm' : undefined;
}

/** A point as `influxdb batch` takes it; a Date timestamp is right in every write precision. */
function batchPoint(p: CachedPoint): Record<string, unknown> {
  return { measurement: p.measurement, fields: p.fields, tags: p.tags, timestamp: new Date(p.time) };
}

/** A point as `influxdb out` takes it in `[[fields, tags], …]`, its time in the `time` field. */
function outPoint(p: CachedPoint): [Record<string, unknown>, Record<string, string>] {
  return [{ ...p.fields, time: new Date(p.time) }, p.tags];
}
