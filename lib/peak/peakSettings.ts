/**
 * The settings of the peak-shaving controller, checked once (a bad setting is a ConfigError
 * naming it, never a silent default). Defaults live here, in one place.
 */
import { ConfigError } from '../bus/errors';
import { parseTimeWindows, type TimeWindow } from './timeWindows';

export interface PeakSettings {
  /** start selling when the site's load (grid import without the battery) is above this, W (OpenEMS: peak-shaving power) */
  sellAboveW: number;
  /** stop selling when the load is below this, W (hysteresis: lower than sellAboveW) */
  stopBelowW: number;
  /** start charging when the load is below this, W (OpenEMS: recharge power); null = never charge */
  chargeBelowW: number | null;
  /** charge only while the battery is below this (V or %) */
  chargeUntil: number;
  /** never sell at or below this battery level (V or %) */
  sellMinBattery: number;
  /** selling resumes only above sellMinBattery + this */
  batteryHysteresis: number;
  /** least time between two commands, ms */
  minGapMs: number;
  /** data older than this is stale: no command, ms */
  staleAfterMs: number;
  /** when commands may be sent (empty = always) */
  windows: readonly TimeWindow[];
}

export const PEAK_DEFAULTS = {
  sellAbove: 5000,
  stopBelow: 4000,
  chargeBelow: 1000,
  chargeUntil: 54,
  sellMinBattery: 48,
  batteryHysteresis: 1,
  minGap: 60,
  staleAfter: 30,
  windows: '',
};

export type PeakConfig = { [K in keyof typeof PEAK_DEFAULTS]: number | string };

function num(value: unknown, name: string, min: number, max: number): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < min || n > max) throw new ConfigError(`${name} must be a number ${min}–${max}, got ${JSON.stringify(value)}`);
  return n;
}

export function peakSettings(config: Partial<PeakConfig>): PeakSettings {
  const c = { ...PEAK_DEFAULTS, ...config };
  const sellAboveW = num(c.sellAbove, 'sell above (W)', -1e6, 1e6);
  const stopBelowW = num(c.stopBelow, 'stop below (W)', -1e6, 1e6);
  if (stopBelowW >= sellAboveW) throw new ConfigError(`stop below (${stopBelowW} W) must be lower than sell above (${sellAboveW} W): that gap is the hysteresis`);
  const chargeBelowW = String(c.chargeBelow).trim() === '' ? null : num(c.chargeBelow, 'charge below (W)', -1e6, 1e6);
  if (chargeBelowW !== null && chargeBelowW >= stopBelowW) throw new ConfigError(`charge below (${chargeBelowW} W) must be lower than stop below (${stopBelowW} W)`);
  const sellMinBattery = num(c.sellMinBattery, 'sell minimum battery', 0, 1000);
  const chargeUntil = num(c.chargeUntil, 'charge until battery', 0, 1000);
  return {
    sellAboveW,
    stopBelowW,
    chargeBelowW,
    chargeUntil,
    sellMinBattery,
    batteryHysteresis: num(c.batteryHysteresis, 'battery hysteresis', 0, 100),
    minGapMs: num(c.minGap, 'minimum time between commands (s)', 0, 86400) * 1000,
    staleAfterMs: num(c.staleAfter, 'stale after (s)', 1, 86400) * 1000,
    windows: parseTimeWindows(String(c.windows ?? '')),
  };
}
