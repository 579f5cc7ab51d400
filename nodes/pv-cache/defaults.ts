/** Stored properties of pv-cache and their defaults (docs/flow-schema.md). */
export const DEFAULTS = {
  name: '',
  path: '',
  retentionDays: 30,
  maxMB: 100,
  resendRate: 10,
  batchSize: 1000,
  batch: 'auto',
  retryInterval: 10,
  ackTimeout: 60,
  rejectAfter: 5,
  stampTime: true,
  statsInterval: 60,
} as const;

export type PvCacheConfig = { -readonly [K in keyof typeof DEFAULTS]: (typeof DEFAULTS)[K] extends string ? string : (typeof DEFAULTS)[K] extends number ? number : boolean };
