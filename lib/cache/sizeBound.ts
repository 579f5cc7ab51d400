import type { CacheStore } from './cacheStore';

/**
 * Keeping the file within its size: delivered (and rejected) messages go first, oldest first;
 * undelivered ones only when nothing else is left, after a warning. The fractions give
 * hysteresis, so trimming happens in steps rather than on every message.
 */
export const SIZE_FRACTIONS = {
  /** start deleting delivered messages above this share of the bound… */
  trimSettledAbove: 0.9,
  /** …down to this share */
  trimSettledTo: 0.8,
  /** undelivered messages alone fill more than this: warn that they will be dropped */
  warnAbove: 0.8,
  /** over the bound with nothing delivered left: drop undelivered down to this share */
  dropPendingTo: 0.95,
} as const;

export interface SizeBoundResult {
  usedBytes: number;
  deletedSettled: number;
  droppedPending: number;
  /** stored time of the oldest dropped undelivered message */
  oldestDroppedAt?: number;
  /** undelivered messages fill more than warnAbove of the bound */
  nearFull: boolean;
}

export function enforceSizeBound(store: CacheStore, maxBytes: number): SizeBoundResult {
  let used = store.usedBytes();
  let deletedSettled = 0;
  let droppedPending = 0;
  let oldestDroppedAt: number | undefined;
  if (used > maxBytes * SIZE_FRACTIONS.trimSettledAbove) {
    while (used > maxBytes * SIZE_FRACTIONS.trimSettledTo) {
      const n = store.deleteOldestSettled(rowsToFree(store, used, maxBytes * SIZE_FRACTIONS.trimSettledTo));
      if (n === 0) break;
      deletedSettled += n;
      used = store.usedBytes();
    }
  }
  if (used > maxBytes) {
    while (used > maxBytes * SIZE_FRACTIONS.dropPendingTo) {
      const r = store.dropOldestPending(rowsToFree(store, used, maxBytes * SIZE_FRACTIONS.dropPendingTo));
      if (r.dropped === 0) break;
      oldestDroppedAt ??= r.oldestStoredAt;
      droppedPending += r.dropped;
      used = store.usedBytes();
    }
  }
  const c = store.getCounts();
  const rows = c.pending + c.delivered + c.rejected;
  // Undelivered share of the used bytes, at the average row size.
  const pendingBytes = rows === 0 ? 0 : (used * c.pending) / rows;
  return { usedBytes: used, deletedSettled, droppedPending, oldestDroppedAt, nearFull: pendingBytes > maxBytes * SIZE_FRACTIONS.warnAbove };
}

/** Rows to delete to get from `used` to `target`, at the file's average row size. */
function rowsToFree(store: CacheStore, used: number, target: number): number {
  const c = store.getCounts();
  const rows = c.pending + c.delivered + c.rejected;
  if (rows === 0) return 1;
  const perRow = Math.max(1, used / rows);
  return Math.max(1, Math.ceil((used - target) / perRow));
}
