/**
 * The messages kaco-read sends: one per inverter per cycle with its readings (output 1) and one
 * with its communication status (output 2), shaped for the nodes users already have.
 *
 * payloadShape:
 * - 'fields'   payload = { field: value, … }; measurement, tags and timestamp ride on msg.
 *              influxdb out (measurement from msg, no tags), dashboard, debug.
 * - 'influx'   payload = [{ …fields, time: Date }, tags]: influxdb out with tags and the read time.
 * - 'batch'    payload = [{ measurement, fields, tags, timestamp: Date }]: influxdb batch.
 * - 'document' payload = { time: Date, measurement, address, name, tags, …fields }: mongodb out.
 * Every message also carries msg.topic, msg.measurement, msg.tags, msg.timestamp (ms), msg.address.
 */
import type { FieldValues } from './frames';
import type { InverterResult } from './kacoPoller';
import { PV_LOGGER_AS_SENT, PV_LOGGER_COMMUNICATION, PV_LOGGER_FIELD_NAMES, PV_LOGGER_MEASUREMENT } from './pvLoggerNames';

export const PAYLOAD_SHAPES = ['fields', 'influx', 'batch', 'document'] as const;
export type PayloadShape = (typeof PAYLOAD_SHAPES)[number];

export interface MessageOptions {
  shape: PayloadShape;
  /** the old logger's measurement and field names */
  pvLoggerNames: boolean;
  /** measurement of readings without pvLoggerNames */
  measurement: string;
  /** measurement of communication status without pvLoggerNames */
  statusMeasurement: string;
  /** tags added to every point (host, region …) */
  tags: Record<string, string>;
}

export interface OutMessage {
  payload: unknown;
  topic: string;
  measurement: string;
  tags: Record<string, string>;
  timestamp: number;
  address: number;
}

/** Output 1: the readings of an inverter that answered; undefined for one that did not. */
export function readingMessage(result: InverterResult, opts: MessageOptions): OutMessage | undefined {
  if (result.status !== 'ok' || !result.fields) return undefined;
  const measurement = opts.pvLoggerNames ? PV_LOGGER_MEASUREMENT(result.address) : opts.measurement;
  // the old logger's series were told apart by measurement name, with only the configured tags
  const tags = opts.pvLoggerNames ? { ...opts.tags } : inverterTags(result, opts);
  const fields = opts.pvLoggerNames ? pvLoggerFields(result) : { ...result.fields };
  return shape(fields, measurement, tags, result, `kaco/${result.address}`, opts.shape);
}

/** Output 2: last_request_status ok | error | asleep and error_msg, for every inverter every cycle. */
export function statusMessage(result: InverterResult, opts: MessageOptions): OutMessage {
  const measurement = opts.pvLoggerNames ? PV_LOGGER_COMMUNICATION : opts.statusMeasurement;
  // one point per inverter: the inverter tag keeps two inverters' points at one instant apart
  const tags = opts.pvLoggerNames ? { ...opts.tags, inverter: String(result.address) } : inverterTags(result, opts);
  const fields: FieldValues = { last_request_status: result.status, error_msg: result.errorMessage };
  return shape(fields, measurement, tags, result, `kaco/${result.address}/communication`, opts.shape);
}

function inverterTags(result: InverterResult, opts: MessageOptions): Record<string, string> {
  const tags: Record<string, string> = { ...opts.tags, inverter: String(result.address) };
  if (result.name) tags.name = result.name;
  return tags;
}

function pvLoggerFields(result: InverterResult): FieldValues {
  const out: FieldValues = {};
  for (const [name, value] of Object.entries(result.fields ?? {})) {
    const asSent = result.yieldAsSent as Record<string, number | string> | undefined;
    const v = PV_LOGGER_AS_SENT.includes(name) && asSent && name in asSent ? asSent[name] : value;
    out[PV_LOGGER_FIELD_NAMES[name] ?? name] = v;
  }
  return out;
}

function shape(fields: FieldValues, measurement: string, tags: Record<string, string>, result: InverterResult, topic: string, payloadShape: PayloadShape): OutMessage {
  const time = new Date(result.at);
  let payload: unknown;
  switch (payloadShape) {
    case 'fields':
      payload = fields;
      break;
    case 'influx':
      payload = [{ ...fields, time }, tags];
      break;
    case 'batch':
      payload = [{ measurement, fields, tags, timestamp: time }];
      break;
    case 'document':
      payload = { time, measurement, address: result.address, name: result.name, tags, ...fields };
      break;
  }
  return { payload, topic, measurement, tags, timestamp: result.at, address: result.address };
}
