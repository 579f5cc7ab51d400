/**
 * The messages sma-read sends, in kaco-read's shapes (lib/poll/messageShapes.ts): one per device
 * per cycle with its values (output 1) and one per device per cycle with its communication status
 * (output 2). Tags on every point: `name` (the sma-inverter's), `serial` once the device has
 * said it (or as configured), `type` once known, plus the node's own tags.
 * Every message also carries msg.topic ("sma/<serial>" or "sma/<name>"), msg.measurement,
 * msg.tags, msg.timestamp (ms), msg.serial (when known), msg.transport and msg.part
 * ('reading' | 'status').
 */
import { shapeMessage, type PayloadShape, type PointFields, type ShapedMessage } from '../poll/messageShapes';
import type { SmaDeviceIdentity, SmaDeviceReading, SmaDeviceResult } from './smaPoller';
import type { SmaTransport } from './smaSource';

export interface SmaMessageOptions {
  shape: PayloadShape;
  /** measurement of the readings */
  measurement: string;
  /** measurement of the communication status */
  statusMeasurement: string;
  /** tags added to every point (host, site …) */
  tags: Record<string, string>;
}

export const SMA_MESSAGE_DEFAULTS = { measurement: 'sma', statusMeasurement: 'sma_communication' } as const;

export interface SmaOutMessage extends ShapedMessage {
  serial?: number;
  transport: SmaTransport;
  part: 'reading' | 'status';
}

/** Output 1: one device's values of one cycle. */
export function smaReadingMessage(reading: SmaDeviceReading, opts: SmaMessageOptions): SmaOutMessage {
  return message(reading, { ...reading.fields }, opts.measurement, reading.at, 'reading', opts);
}

/** Output 2: last_request_status ok | error | asleep and error_msg, for every device every cycle. */
export function smaStatusMessage(result: SmaDeviceResult, opts: SmaMessageOptions): SmaOutMessage {
  return message(result, { last_request_status: result.status, error_msg: result.errorMessage }, opts.statusMeasurement, result.at, 'status', opts);
}

function message(who: SmaDeviceIdentity, fields: PointFields, measurement: string, at: number, part: SmaOutMessage['part'], opts: SmaMessageOptions): SmaOutMessage {
  const tags = deviceTags(who, opts);
  const topic = `sma/${who.serial ?? who.name}${part === 'status' ? '/communication' : ''}`;
  const identity: Record<string, unknown> = { name: who.name, ...(who.serial !== undefined ? { serial: who.serial } : {}), ...(who.type !== undefined ? { type: who.type } : {}), transport: who.transport };
  const shaped = shapeMessage(fields, { measurement, tags, at, topic, identity }, opts.shape);
  return { ...shaped, ...(who.serial !== undefined ? { serial: who.serial } : {}), transport: who.transport, part };
}

function deviceTags(who: SmaDeviceIdentity, opts: SmaMessageOptions): Record<string, string> {
  const tags: Record<string, string> = { ...opts.tags, name: who.name };
  if (who.serial !== undefined) tags.serial = String(who.serial);
  if (who.type !== undefined) tags.type = who.type;
  return tags;
}
