import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../lib/bus/errors';
import { parseChecks, type CheckConfig } from '../../lib/watchdog/checkConfig';
import { splitCommandLine } from '../../lib/watchdog/commandLine';
import { parseTagsSetting } from '../../lib/poll/tagsSetting';
import type { RebootPolicy } from '../../lib/watchdog/rebootPolicy';
import type { Tags } from '../../lib/watchdog/systemStats';
import { DEFAULTS, type PvWatchdogConfig } from './defaults';

export interface WatchdogSettings {
  checks: CheckConfig[];
  historySize: number;
  policy: RebootPolicy;
  dryRun: boolean;
  /** program and arguments; empty: no command */
  command: string[];
  /** 0: no statistics */
  statsIntervalS: number;
  tags: Tags;
  reasonFile: string;
}

/**
 * The node's stored config as watchdog settings: missing values from DEFAULTS, numbers the
 * editor stored as text converted, anything wrong a ConfigError naming the field. The reason
 * file lives under the Node-RED user directory, one per node.
 */
export function watchdogSettingsFrom(config: Partial<Record<keyof PvWatchdogConfig, unknown>>, userDir: string | undefined, nodeId: string): WatchdogSettings {
  const num = (key: keyof PvWatchdogConfig, min: number, max: number): number => {
    const v = config[key];
    const n = v === undefined || v === null || v === '' ? (DEFAULTS[key] as number) : Number(v);
    if (!Number.isFinite(n) || n < min || n > max) throw new ConfigError(`${key} must be a number from ${min} to ${max}, got ${JSON.stringify(v)}`);
    return n;
  };
  const historySize = num('historySize', 1, 10000);
  if (!Number.isInteger(historySize)) throw new ConfigError(`historySize must be an integer, got ${JSON.stringify(config.historySize)}`);
  const minUptimeS = num('minUptime', 0, 10 * 86400);
  const policy: RebootPolicy = { minUptimeS, backoffFactor: num('backoffFactor', 1, 100), backoffMaxS: num('backoffMax', 0, 365 * 86400) };
  const statsIntervalS = num('statsInterval', 0, 86400);
  const dryRun = config.dryRun === undefined ? DEFAULTS.dryRun : config.dryRun === true || config.dryRun === 'true';
  const command = typeof config.command === 'string' ? splitCommandLine(config.command) : [];
  const base = userDir || path.join(os.homedir(), '.node-red');
  return {
    checks: parseChecks(config.checks ?? DEFAULTS.checks),
    historySize,
    policy,
    dryRun,
    command,
    statsIntervalS,
    tags: parseTags(config.tags),
    reasonFile: path.join(base, 'pv-watchdog', `${nodeId.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`),
  };
}

/** Tags of the statistics points: a JSON object of text (numbers are turned into text). */
function parseTags(raw: unknown): Tags {
  return parseTagsSetting(typeof raw === 'string' && raw.trim() !== '' ? raw : DEFAULTS.tags, '{"pv-location": "roof"}');
}
