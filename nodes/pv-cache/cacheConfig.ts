import os from 'node:os';
import path from 'node:path';
import type { CacheSettings } from '../../lib/cache/cacheSettings';
import { DEFAULTS, type PvCacheConfig } from './defaults';

/**
 * The node's stored config as cache settings: missing values from DEFAULTS, numbers the editor
 * stored as text converted, and the file under the Node-RED user directory unless absolute.
 */
export function cacheSettingsFrom(config: Partial<Record<keyof PvCacheConfig, unknown>>, userDir: string | undefined, nodeId: string): CacheSettings {
  const num = (key: keyof PvCacheConfig): number => {
    const v = config[key];
    return v === undefined || v === null || v === '' ? (DEFAULTS[key] as number) : Number(v);
  };
  const base = userDir || path.join(os.homedir(), '.node-red');
  const given = typeof config.path === 'string' ? config.path.trim() : '';
  // One file per node by default, so two caches never share one by accident.
  const file = given === '' ? path.join(base, 'pv-cache', `${nodeId.replace(/[^A-Za-z0-9_.-]/g, '_')}.sqlite`) : path.resolve(base, given);
  return {
    file,
    retentionDays: num('retentionDays'),
    maxMB: num('maxMB'),
    resendRate: num('resendRate'),
    batchSize: num('batchSize'),
    retryIntervalS: num('retryInterval'),
    ackTimeoutS: num('ackTimeout'),
    rejectAfter: num('rejectAfter'),
    stampTime: config.stampTime === undefined ? DEFAULTS.stampTime : config.stampTime === true || config.stampTime === 'true',
  };
}

export function statsIntervalFrom(config: Partial<Record<keyof PvCacheConfig, unknown>>): number {
  const v = config.statsInterval;
  const n = v === undefined || v === null || v === '' ? DEFAULTS.statsInterval : Number(v);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/** 'single' when the node is set to re-send one message per stored message, else 'auto'. */
export function batchModeFrom(config: Partial<Record<keyof PvCacheConfig, unknown>>): 'auto' | 'single' {
  return config.batch === 'single' ? 'single' : 'auto';
}
