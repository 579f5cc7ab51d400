/**
 * The payload shapes every reader (kaco-read, sma-read) sends, for the nodes users already have.
 * Every shape that can reach InfluxDB carries the tags on every point.
 *
 * - 'fields'   payload = [{ field: value, … }, tags]: influxdb out writes the fields with the tags
 *              (its `[fields, tags]` form); the point's time is when InfluxDB receives it.
 * - 'influx'   payload = [{ …fields, time: Date }, tags]: influxdb out with the read time.
 * - 'batch'    payload = [{ measurement, fields, tags, timestamp: Date }]: influxdb batch.
 * - 'document' payload = { time: Date, measurement, …identity, tags, …fields }: mongodb out
 *              (influxdb out cannot take tags from it: choose fields, influx or batch there).
 */

export const PAYLOAD_SHAPES = ['fields', 'influx', 'batch', 'document'] as const;
export type PayloadShape = (typeof PAYLOAD_SHAPES)[number];

export type PointFields = Record<string, number | string | boolean>;

/** One point: where it goes and when it was measured. */
export interface Point {
  measurement: string;
  tags: Record<string, string>;
  /** wall-clock ms of the measurement */
  at: number;
  topic: string;
  /** the device's identity in a document (address and name; serial, type and name), before its tags */
  identity: Record<string, unknown>;
}

export interface ShapedMessage {
  payload: unknown;
  topic: string;
  measurement: string;
  tags: Record<string, string>;
  /** ms */
  timestamp: number;
}

export function shapeMessage(fields: PointFields, p: Point, payloadShape: PayloadShape): ShapedMessage {
  const time = new Date(p.at);
  let payload: unknown;
  switch (payloadShape) {
    case 'fields':
      payload = [fields, p.tags];
      break;
    case 'influx':
      payload = [{ ...fields, time }, p.tags];
      break;
    case 'batch':
      payload = [{ measurement: p.measurement, fields, tags: p.tags, timestamp: time }];
      break;
    case 'document':
      payload = { time, measurement: p.measurement, ...p.identity, tags: p.tags, ...fields };
      break;
  }
  return { payload, topic: p.topic, measurement: p.measurement, tags: p.tags, timestamp: p.at };
}
