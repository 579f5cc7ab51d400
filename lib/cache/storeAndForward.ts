import { systemScheduler, type Scheduler, type TimerHandle } from '../time/scheduler';
import { CacheStore } from './cacheStore';
import { State } from './cacheSchema';
import type { CacheQuery } from './cacheQuery';
import { checkCacheSettings, type CacheSettings } from './cacheSettings';
import { CACHE_ID_PROPERTY, tokenFor } from './cacheToken';
import { Forwarder, type ForwarderMode } from './forwarder';
import { pointsOf, stampTime } from './influxPoints';
import { decodeMessage, encodeMessage } from './messageCodec';
import { composeBatches, type ResendForm } from './resendForm';
import { enforceSizeBound } from './sizeBound';

export interface CacheEvents {
  /** forward a re-sent message (carries msg._cacheId); a batch carries many stored messages */
  resend(message: Record<string, unknown>): void;
  /** the form the database node on the output takes a backlog in; asked before each drain batch */
  resendForm?(): ResendForm;
  warn(text: string): void;
  /** pending count or mode changed: refresh the status */
  changed(): void;
}

export interface CacheStats {
  pending: number;
  delivered: number;
  rejected: number;
  /** undelivered messages dropped by the size bound since start */
  dropped: number;
  /** messages re-sent since start */
  resent: number;
  /** seconds since the oldest pending message was stored; 0 when none waits */
  oldestPendingAgeS: number;
  sizeMB: number;
  maxMB: number;
  mode: ForwarderMode;
}

export type PointState = 'pending' | 'delivered' | 'rejected';
export interface QueriedPoint {
  time: number;
  measurement: string;
  fields: Record<string, unknown>;
  tags: Record<string, string>;
  state: PointState;
}
export type FieldPoint = { time: number; value: unknown } & Record<string, unknown>;
export interface QueryResult {
  points: QueriedPoint[] | FieldPoint[];
  /** true when `limit` cut the answer short */
  truncated: boolean;
}

/** Message properties never stored: Node-RED's own id, and our token (set anew on each send). */
const NOT_STORED: ReadonlySet<string> = new Set(['_msgid', CACHE_ID_PROPERTY]);
const SIZE_CHECK_EVERY = 50;
const RETENTION_EVERY_MS = 3600 * 1000;
const HOUSEKEEPING_EVERY_MS = 60 * 1000;
const STATE_NAMES: Readonly<Record<number, PointState>> = { [State.Pending]: 'pending', [State.Delivered]: 'delivered', [State.Rejected]: 'rejected' };


/**
 * The store-and-forward cache: each message is written to the SQLite file (on disk when put()
 * returns), forwarded, and kept pending until the database node's complete acknowledges it;
 * pending messages are re-sent by the Forwarder. Housekeeping keeps retention and the size bound.
 */
export class StoreAndForward {
  private readonly store: CacheStore;
  private readonly forwarder: Forwarder;
  private readonly settings: CacheSettings;
  private putsSinceSizeCheck = 0;
  private lastRetentionAt: number;
  private nearFullWarned = false;
  private dropped = 0;
  private resent = 0;
  private housekeepingTimer: TimerHandle | undefined;

  constructor(
    private readonly ownerId: string,
    settings: CacheSettings,
    private readonly events: CacheEvents,
    /** wall clock for stored times and retention, monotonic for acknowledgements and pacing */
    private readonly scheduler: Scheduler = systemScheduler,
  ) {
    this.settings = checkCacheSettings({ ...settings });
    this.store = CacheStore.open(this.settings.file);
    if (this.store.recoveredFromCrash) events.warn(`cache file ${this.store.path}: removed a lock left by a crash; the last unfinished write was rolled back`);
    this.lastRetentionAt = Number.NEGATIVE_INFINITY;
    this.housekeep();
    this.forwarder = new Forwarder({
      store: this.store,
      resend: (key, batch) => {
        batch.msg[CACHE_ID_PROPERTY] = tokenFor(this.ownerId, key);
        this.resent += batch.ids.length;
        this.events.resend(batch.msg);
      },
      compose: (page) =>
        composeBatches(
          page.map((m) => ({ id: m.id, msg: decodeMessage(m.body), storedAt: m.storedAt })),
          events.resendForm?.() ?? 'single',
        ),
      merges: () => (events.resendForm?.() ?? 'single') !== 'single',
      batchSize: this.settings.batchSize,
      ratePerS: this.settings.resendRate,
      retryIntervalMs: this.settings.retryIntervalS * 1000,
      ackTimeoutMs: this.settings.ackTimeoutS * 1000,
      rejectAfter: this.settings.rejectAfter,
      scheduler,
      onRejected: (id, attempts, reason) =>
        events.warn(`set aside message ${id} after ${attempts} failed deliveries while the database accepted others (kept, not re-sent): ${reason}`),
      onNoAcknowledgement: () =>
        events.warn(
          `no acknowledgement came back within ${this.settings.ackTimeoutS} s: wire a complete node (and a catch node) on the database node back into this cache`,
        ),
      onChange: () => events.changed(),
      onError: (err) => events.warn(`cache file ${this.store.path}: re-sending paused for a second: ${err.message}`),
    });
    this.armHousekeeping();
  }

  get file(): string {
    return this.store.path;
  }

  /**
   * Stores msg durably and says whether to forward it now. Stamps the arrival time into the
   * payload when it has none (stampTime) and sets msg._cacheId. Throws UnstorableMessageError
   * for a message that cannot be stored exactly; nothing is stored then.
   */
  put(msg: Record<string, unknown>): { id: number; forward: boolean } {
    const now = this.scheduler.wallNow();
    const r = this.storeBody(encodeForStore(msg, now, this.settings.stampTime), msg, now);
    msg[CACHE_ID_PROPERTY] = tokenFor(this.ownerId, r.id);
    return r;
  }

  /**
   * Stores a message encoded elsewhere by encodeForStore (the main thread, for the cache's
   * worker: lib/cache/cacheWorker.ts) and says whether to forward it now.
   */
  putEncoded(body: string, storedAt: number): { id: number; forward: boolean } {
    return this.storeBody(body, decodeMessage(body), storedAt);
  }

  private storeBody(body: string, msg: Record<string, unknown>, now: number): { id: number; forward: boolean } {
    const points = pointsOf(msg, now);
    const times = points.map((p) => p.time);
    const measurements = new Set(points.map((p) => p.measurement));
    const id = this.store.append({
      body,
      measurement: measurements.size === 1 ? [...measurements][0] : null,
      timeFrom: times.length ? Math.min(...times) : now,
      timeTo: times.length ? Math.max(...times) : now,
      storedAt: now,
    });
    if (++this.putsSinceSizeCheck >= SIZE_CHECK_EVERY) this.housekeepOrWarn();
    const forward = this.forwarder.offer(id);
    this.events.changed();
    return { id, forward };
  }

  /**
   * A complete node reported a send delivered (its key: a row id, or "b<n>" for a batch).
   * False when none of its messages was pending any more.
   */
  acknowledge(key: number | string): boolean {
    const changed = this.forwarder.acknowledged(String(key), this.scheduler.wallNow());
    this.events.changed();
    return changed;
  }

  /** A catch node reported the delivery failed; its messages stay pending. */
  fail(key: number | string, reason: string): void {
    this.forwarder.failed(String(key), reason);
    this.events.changed();
  }

  query(q: CacheQuery): QueryResult {
    const rows = this.store.rowsInRange(q.from, q.to, q.measurement, q.limit + 1);
    const points: QueriedPoint[] = [];
    let truncated = rows.length > q.limit;
    for (const row of rows) {
      for (const p of pointsOf(decodeMessage(row.body), row.storedAt)) {
        if (p.time < q.from || p.time > q.to) continue;
        if (q.measurement !== undefined && p.measurement !== q.measurement) continue;
        if (q.field !== undefined && !(q.field in p.fields)) continue;
        points.push({ ...p, state: STATE_NAMES[row.state] ?? 'pending' });
      }
    }
    points.sort((a, b) => a.time - b.time);
    if (points.length > q.limit) {
      points.length = q.limit;
      truncated = true;
    }
    if (q.field === undefined) return { points, truncated };
    const field = q.field;
    return { points: points.map((p) => ({ ...p.tags, time: p.time, value: p.fields[field] })), truncated };
  }

  stats(): CacheStats {
    const counts = this.store.getCounts();
    const oldest = this.store.oldestPendingStoredAt();
    return {
      ...counts,
      dropped: this.dropped,
      resent: this.resent,
      oldestPendingAgeS: oldest === undefined ? 0 : Math.max(0, Math.round((this.scheduler.wallNow() - oldest) / 1000)),
      sizeMB: round3(this.store.usedBytes() / 1e6),
      maxMB: this.settings.maxMB,
      mode: this.forwarder.currentMode,
    };
  }

  /** Retention (at most hourly) and the size bound; also runs every 50 stored messages. */
  housekeep(): void {
    this.putsSinceSizeCheck = 0;
    const now = this.scheduler.wallNow();
    if (now - this.lastRetentionAt >= RETENTION_EVERY_MS) {
      this.lastRetentionAt = now;
      if (this.store.deleteSettledBefore(now - this.settings.retentionDays * 86400000) > 0) this.store.releaseFreePages();
    }
    const maxBytes = this.settings.maxMB * 1e6;
    const r = enforceSizeBound(this.store, maxBytes);
    if (r.droppedPending > 0) {
      this.dropped += r.droppedPending;
      const since = r.oldestDroppedAt === undefined ? '' : `, the oldest stored ${new Date(r.oldestDroppedAt).toISOString()}`;
      this.events.warn(`cache full (${this.settings.maxMB} MB) of undelivered messages: dropped the ${r.droppedPending} oldest${since}`);
    }
    if (r.nearFull && !this.nearFullWarned) {
      this.nearFullWarned = true;
      this.events.warn(
        `cache ${Math.round((r.usedBytes / maxBytes) * 100)} % full (${round3(r.usedBytes / 1e6)} of ${this.settings.maxMB} MB) with undelivered messages: ` +
          `once full, the oldest undelivered messages will be dropped. Is the database answering?`,
      );
    } else if (!r.nearFull) {
      this.nearFullWarned = false;
    }
    if (r.deletedSettled > 0 || r.droppedPending > 0) this.events.changed();
  }

  /**
   * Housekeeping where no caller should get its error (a timer; a put whose message is stored
   * already): a warning, and the next run (a minute, or 50 puts, later) tries again.
   */
  private housekeepOrWarn(): void {
    try {
      this.housekeep();
    } catch (err) {
      this.events.warn(`cache file ${this.store.path}: retention and size bound not kept this time: ${(err as Error).message}`);
    }
  }

  /** Retention and the size bound every minute (a timer re-armed after each run, stopped by close). */
  private armHousekeeping(): void {
    this.housekeepingTimer = this.scheduler.setTimeout(() => {
      this.housekeepOrWarn();
      if (this.housekeepingTimer !== undefined) this.armHousekeeping();
    }, HOUSEKEEPING_EVERY_MS);
  }

  close(): void {
    this.scheduler.clearTimeout(this.housekeepingTimer);
    this.housekeepingTimer = undefined;
    this.forwarder.close();
    this.store.close();
  }
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/**
 * A message as the cache stores it: the arrival time stamped into a payload that has none
 * (when `stamp`), then encoded without the properties never stored. Throws
 * UnstorableMessageError naming the property that cannot be stored exactly.
 */
export function encodeForStore(msg: Record<string, unknown>, now: number, stamp: boolean): string {
  // A message refused below keeps the stamp; it goes nowhere but to a catch node.
  if (stamp) stampTime(msg, new Date(now));
  return encodeMessage(msg, NOT_STORED);
}
