/** sma-read's stored properties turned into checked settings: everything wrong is refused here, before anything reaches a bus. */
import { ConfigError } from '../../lib/bus/errors';
import { PAYLOAD_SHAPES, type PayloadShape } from '../../lib/poll/messageShapes';
import { parseTagsSetting } from '../../lib/poll/tagsSetting';
import type { SmaMessageOptions } from '../../lib/sma/smaMessages';
import { DEFAULTS, type SmaReadConfig } from './defaults';

export interface SmaReadSettings {
  intervalMs: number;
  messages: SmaMessageOptions;
}

export function smaReadSettings(raw: Partial<SmaReadConfig>): SmaReadSettings {
  const c = { ...DEFAULTS, ...Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined && v !== '')) } as SmaReadConfig;
  const interval = Number(c.interval);
  if (!(interval === 0 || (interval >= 1 && interval <= 86400))) throw new ConfigError(`interval must be 0 (read on input only) or 1–86400 s, got ${c.interval}`);
  const shape = String(c.shape) as PayloadShape;
  if (!PAYLOAD_SHAPES.includes(shape)) throw new ConfigError(`output shape must be one of ${PAYLOAD_SHAPES.join(', ')}, got ${c.shape}`);
  const measurement = String(c.measurement).trim();
  const statusMeasurement = String(c.statusMeasurement).trim();
  if (!measurement || !statusMeasurement) throw new ConfigError('measurement names must not be empty');
  return { intervalMs: interval * 1000, messages: { shape, measurement, statusMeasurement, tags: parseTagsSetting(c.tags) } };
}
