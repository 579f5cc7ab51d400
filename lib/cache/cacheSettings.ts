import { ConfigError } from '../bus/errors';

/** What a cache needs to run, already checked. Times in the units the editor shows. */
export interface CacheSettings {
  /** absolute path of the SQLite file */
  file: string;
  /** delivered points older than this are deleted */
  retentionDays: number;
  /** bound of the file's used size */
  maxMB: number;
  /** re-sent batches per second at most, while a backlog drains */
  resendRate: number;
  /** stored messages merged into one re-sent batch at most */
  batchSize: number;
  /** while the database does not answer: one probe every so many seconds */
  retryIntervalS: number;
  /** a forwarded message with no complete/catch after this counts as failed */
  ackTimeoutS: number;
  /** set a message aside after this many failures while the database accepts others; 0 = never */
  rejectAfter: number;
  /** stamp the arrival time into payloads that have none (InfluxDB's time field) */
  stampTime: boolean;
}

type Range = { min: number; max: number; integer?: boolean };
const RANGES: Readonly<Record<Exclude<keyof CacheSettings, 'file' | 'stampTime'>, Range>> = {
  retentionDays: { min: 0.001, max: 3650 },
  maxMB: { min: 0.1, max: 100000 },
  resendRate: { min: 0.01, max: 10000 },
  batchSize: { min: 1, max: 10000, integer: true },
  retryIntervalS: { min: 0.05, max: 86400 },
  ackTimeoutS: { min: 0.05, max: 86400 },
  rejectAfter: { min: 0, max: 1000000, integer: true },
};

/** Checks every number against its range; ConfigError naming the property otherwise. */
export function checkCacheSettings(s: CacheSettings): CacheSettings {
  if (typeof s.file !== 'string' || s.file === '') throw new ConfigError('cache file path is empty');
  for (const [key, r] of Object.entries(RANGES) as [keyof typeof RANGES, Range][]) {
    const v = s[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < r.min || v > r.max || (r.integer && !Number.isInteger(v))) {
      throw new ConfigError(`cache setting ${key} is ${JSON.stringify(v)}; expected ${r.integer ? 'a whole number' : 'a number'} from ${r.min} to ${r.max}`);
    }
  }
  return s;
}
