/**
 * The messages kaco-read sends: one per inverter per reply with its readings (output 1: command
 * 0 at once, command 3 as its own point when read) and one per inverter per cycle with its
 * communication status (output 2), shaped for the nodes users already have. Every shape that can
 * reach InfluxDB carries the tags on every point.
 *
 * The payload shapes are lib/poll/messageShapes.ts's.
 * Every message also carries msg.topic, msg.measurement, msg.tags, msg.timestamp (ms),
 * msg.address and msg.part ('measurements' | 'yield'; 'status' on output 2).
 */
import { PAYLOAD_SHAPES, shapeMessage, type PayloadShape } from '../poll/messageShapes';
import type { FieldValues } from './frames';
import type { InverterReading, InverterResult, ReadingPart } from './kacoPoller';
import { asPvLoggerType, PV_LOGGER_AS_SENT, PV_LOGGER_COMMUNICATION, PV_LOGGER_FIELD_NAMES, PV_LOGGER_MEASUREMENT } from './pvLoggerNames';

export { PAYLOAD_SHAPES, type PayloadShape };

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
  part: ReadingPart | 'status';
}

/** Output 1: the values of one reply. */
export function readingMessage(reading: InverterReading, opts: MessageOptions): OutMessage {
  const measurement = opts.pvLoggerNames ? PV_LOGGER_MEASUREMENT(reading.address) : opts.measurement;
  // the old logger's series were told apart by measurement name, with only the configured tags
  const tags = opts.pvLoggerNames ? { ...opts.tags } : inverterTags(reading, opts);
  const fields = opts.pvLoggerNames ? pvLoggerFields(reading) : { ...reading.fields };
  return shape(fields, { measurement, tags, at: reading.at, address: reading.address, name: reading.name, topic: `kaco/${reading.address}`, part: reading.part }, opts.shape);
}

/** Output 2: last_request_status ok | error | asleep and error_msg, for every inverter every cycle. */
export function statusMessage(result: InverterResult, opts: MessageOptions): OutMessage {
  const measurement = opts.pvLoggerNames ? PV_LOGGER_COMMUNICATION : opts.statusMeasurement;
  // one point per inverter: the inverter tag keeps two inverters' points at one instant apart
  const tags = opts.pvLoggerNames ? { ...opts.tags, inverter: String(result.address) } : inverterTags(result, opts);
  const fields: FieldValues = { last_request_status: result.status, error_msg: result.errorMessage };
  return shape(fields, { measurement, tags, at: result.at, address: result.address, name: result.name, topic: `kaco/${result.address}/communication`, part: 'status' }, opts.shape);
}

function inverterTags(who: { address: number; name: string }, opts: MessageOptions): Record<string, string> {
  const tags: Record<string, string> = { ...opts.tags, inverter: String(who.address) };
  if (who.name) tags.name = who.name;
  return tags;
}

/** kacors485's names, values as it sent them where it kept the text, and each field's old type. */
function pvLoggerFields(reading: InverterReading): FieldValues {
  const out: FieldValues = {};
  const asSent = reading.yieldAsSent as Record<string, number | string> | undefined;
  for (const [name, value] of Object.entries(reading.fields)) {
    const v = PV_LOGGER_AS_SENT.includes(name) && asSent && name in asSent ? asSent[name] : value;
    const oldName = PV_LOGGER_FIELD_NAMES[name] ?? name;
    out[oldName] = asPvLoggerType(oldName, v);
  }
  if (reading.frame) {
    out.last_command_sent = reading.frame.header;
    out.checksum = reading.frame.check;
  }
  return out;
}

interface PointInfo {
  measurement: string;
  tags: Record<string, string>;
  at: number;
  address: number;
  name: string;
  topic: string;
  part: OutMessage['part'];
}

function shape(fields: FieldValues, p: PointInfo, payloadShape: PayloadShape): OutMessage {
  const shaped = shapeMessage(fields, { measurement: p.measurement, tags: p.tags, at: p.at, topic: p.topic, identity: { address: p.address, name: p.name } }, payloadShape);
  return { ...shaped, address: p.address, part: p.part };
}
