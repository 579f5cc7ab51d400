/**
 * kaco-read's stored properties turned into checked settings, and its input message turned into
 * a cycle request: everything that is wrong is refused here, with a clear message, before
 * anything reaches a bus.
 */
import { ConfigError } from '../../lib/bus/errors';
import { isKacoAddress } from '../../lib/kaco/commands';
import type { KacoClientOptions } from '../../lib/kaco/kacoClient';
import type { CycleRequest } from '../../lib/kaco/kacoPoller';
import { parseTagsSetting } from '../../lib/poll/tagsSetting';
import { PAYLOAD_SHAPES, type MessageOptions, type PayloadShape } from '../../lib/kaco/readingMessages';
import { DEFAULTS, type KacoReadConfig } from './defaults';

export interface KacoReadSettings {
  intervalMs: number;
  yieldEvery: number;
  client: Omit<KacoClientOptions, 'owner' | 'signal'>;
  messages: MessageOptions;
}

export function kacoReadSettings(raw: Partial<KacoReadConfig>): KacoReadSettings {
  const c = { ...DEFAULTS, ...Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined && v !== '')) } as KacoReadConfig;
  const interval = Number(c.interval);
  if (!(interval === 0 || (interval >= 1 && interval <= 86400))) throw new ConfigError(`interval must be 0 (read on input only) or 1–86400 s (KACO: a cycle no shorter than 1 s), got ${c.interval}`);
  const yieldEvery = Number(c.yieldEvery);
  if (!(Number.isInteger(yieldEvery) && yieldEvery >= 0 && yieldEvery <= 100000)) throw new ConfigError(`command 3 every must be a whole number of cycles (0 = never), got ${c.yieldEvery}`);
  const timeoutMs = Number(c.timeout);
  if (!(timeoutMs >= 100 && timeoutMs <= 60000)) throw new ConfigError(`response timeout must be 100–60000 ms, got ${c.timeout}`);
  const pauseAfterMs = Number(c.pause);
  if (!(pauseAfterMs >= 0 && pauseAfterMs <= 60000)) throw new ConfigError(`pause must be 0–60000 ms, got ${c.pause}`);
  const shape = String(c.shape) as PayloadShape;
  if (!PAYLOAD_SHAPES.includes(shape)) throw new ConfigError(`output shape must be one of ${PAYLOAD_SHAPES.join(', ')}, got ${c.shape}`);
  const measurement = String(c.measurement).trim();
  const statusMeasurement = String(c.statusMeasurement).trim();
  if (!measurement || !statusMeasurement) throw new ConfigError('measurement names must not be empty');
  return {
    intervalMs: interval * 1000,
    yieldEvery,
    // the asleep policy is each inverter's (kaco-inverter), not the reader's
    client: { timeoutMs, pauseAfterMs },
    messages: { shape, measurement, statusMeasurement, pvLoggerNames: c.pvLoggerNames === true || c.pvLoggerNames === 'true', tags: parseTags(c.tags) },
  };
}

/** `{"host": "pv-strass", "region": "europe"}` (the old logger's `tags:`), values as texts. */
export const parseTags = (text: unknown): Record<string, string> => parseTagsSetting(text);

/**
 * The input message: any message starts a cycle. Optional `msg.addresses` (array of the
 * configured addresses) reads only those; optional `msg.readYield` (boolean) reads command 3
 * this time (true) or not (false), whatever the cadence.
 */
export function cycleRequestFrom(msg: Record<string, unknown>): CycleRequest {
  const request: CycleRequest = {};
  if (msg.addresses !== undefined) {
    const list = Array.isArray(msg.addresses) ? msg.addresses : [msg.addresses];
    if (list.length === 0 || !list.every(isKacoAddress)) throw new ConfigError(`msg.addresses must be a KACO address 1–32 or an array of them, got ${JSON.stringify(msg.addresses)}`);
    request.addresses = list as number[];
  }
  if (msg.readYield !== undefined) {
    if (typeof msg.readYield !== 'boolean') throw new ConfigError(`msg.readYield must be true or false, got ${JSON.stringify(msg.readYield)}`);
    request.readYield = msg.readYield;
  }
  return request;
}
