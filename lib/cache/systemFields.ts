import type { CacheStats } from './storeAndForward';

/**
 * The cache's statistics as fields of the `system` measurement (the old logger's name for its
 * health points), prefixed cache_ so they sit beside the watchdog's fields.
 */
export interface CacheSystemFields {
  cache_pending: number;
  cache_oldest_pending_s: number;
  cache_delivered: number;
  cache_rejected: number;
  cache_dropped: number;
  cache_resent: number;
  cache_size_mb: number;
  cache_online: boolean;
}

export const SYSTEM_MEASUREMENT = 'system';

export function cacheSystemFields(s: CacheStats): CacheSystemFields {
  return {
    cache_pending: s.pending,
    cache_oldest_pending_s: s.oldestPendingAgeS,
    cache_delivered: s.delivered,
    cache_rejected: s.rejected,
    cache_dropped: s.dropped,
    cache_resent: s.resent,
    cache_size_mb: s.sizeMB,
    cache_online: s.mode !== 'offline',
  };
}
