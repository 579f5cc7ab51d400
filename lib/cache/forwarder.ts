import type { Scheduler, TimerHandle } from '../time/scheduler';
import type { CacheStore, StoredMessage } from './cacheStore';
import type { ResendBatch } from './resendForm';

/**
 * When to send which pending message. Three modes:
 * - passing: nothing waits; a new message is forwarded as soon as it is stored.
 * - draining: the database answers and a backlog waits. The backlog is read from the file a page
 *   at a time (oldest first, never loaded whole) and re-sent in batches (`compose` merges a
 *   page into as few messages as the database node takes), up to `window` batches in flight,
 *   each acknowledged as a whole in one transaction. New messages are forwarded at once beside
 *   the backlog, so a dashboard sees the present while the past catches up.
 * - offline: a delivery failed (or was not acknowledged in time). A probe, the oldest pending
 *   message alone, goes out 0.5 s later, then at doubling intervals up to `retryIntervalMs`; a
 *   new message arriving at least a second after the last probe is itself sent as the probe, so
 *   while data flows the database's return is seen within about a second however long the
 *   outage was. Its acknowledgement means the database answers again: back to draining at once.
 *
 * A batch the database refuses while it answers otherwise must not block the rest: the batch
 * size halves after each failed batch (and doubles back after each acknowledged one), so a bad
 * message ends up alone within a few batches. A message that fails alone while the database
 * accepts others is set aside (rejected) after `rejectAfter` failures: once the oldest has failed
 * that often, every other probe is the second oldest; if that one is acknowledged, the oldest is
 * sent again and, should it fail although the database answered since its previous failure, it
 * is kept, counted, never sent again. `rejectAfter` 0 turns this off.
 */
export interface ForwarderOptions {
  store: CacheStore;
  /** forward a message; `key` comes back with its acknowledgement or failure */
  resend: (key: string, batch: ResendBatch) => void;
  /** merges a page of pending messages (oldest first) into the messages to send */
  compose: (page: StoredMessage[]) => ResendBatch[];
  /** false when compose sends each message alone (then a page is only what the window takes) */
  merges: () => boolean;
  /** stored messages per batch at most */
  batchSize: number;
  /** batches sent per second at most while draining */
  ratePerS: number;
  retryIntervalMs: number;
  ackTimeoutMs: number;
  rejectAfter: number;
  /** monotonic time and timers (lib/time/scheduler.ts) */
  scheduler: Scheduler;
  onRejected?: (id: number, attempts: number, reason: string) => void;
  /** the first acknowledgement timeout while none has ever come back */
  onNoAcknowledgement?: () => void;
  /** the mode changed */
  onChange?: () => void;
  /** a timed step failed on the file (locked, disk full): it is tried again STEP_RETRY_MS later */
  onError?: (err: Error) => void;
}

export type ForwarderMode = 'passing' | 'draining' | 'offline';

/** drain batches in flight at once: one being written while the next is on its way */
const WINDOW = 2;
const FIRST_PROBE_MS = 500;
/** a new message replaces the timed probe when the last probe is at least this old */
const LIVE_PROBE_EVERY_MS = 1000;
/** a timed step that failed on the file is tried again this much later */
const STEP_RETRY_MS = 1000;

interface Send {
  ids: number[];
  sentAt: number;
  kind: 'live' | 'drain' | 'probe';
}

export class Forwarder {
  private mode: ForwarderMode = 'passing';
  private readonly timers: Scheduler;
  /** send key → what went out */
  private readonly sends = new Map<string, Send>();
  /** ids out in some send */
  private readonly outIds = new Set<number>();
  private drainsOut = 0;
  private nextBatchKey = 1;
  private batchLimit: number;
  private lastDrainAt = Number.NEGATIVE_INFINITY;
  private probeOut = false;
  private probeDelay = FIRST_PROBE_MS;
  private lastProbeAt = Number.NEGATIVE_INFINITY;
  private probeSecondNext = false;
  private lastAckAt = Number.NEGATIVE_INFINITY;
  private everAcknowledged = false;
  private warnedNoAck = false;
  /** id → monotonic time of its last failure */
  private readonly lastFailAt = new Map<number, number>();
  private stepTimer: TimerHandle | undefined;
  private expiryTimer: TimerHandle | undefined;
  private readonly expiryEveryMs: number;
  private closed = false;

  constructor(private readonly o: ForwarderOptions) {
    this.timers = o.scheduler;
    this.batchLimit = o.batchSize;
    this.probeDelay = this.firstProbeDelay();
    this.expiryEveryMs = Math.max(10, Math.min(1000, o.ackTimeoutMs / 4));
    this.armExpiry();
    // A backlog from before a restart is drained first; its outcome tells whether the database answers.
    if (o.store.getCounts().pending > 0) this.setMode('draining');
    this.schedule(0);
  }

  get currentMode(): ForwarderMode {
    return this.mode;
  }

  get inFlightCount(): number {
    return this.outIds.size;
  }

  /** stored messages per drain batch now (halved after a refused batch) */
  get currentBatchLimit(): number {
    return this.batchLimit;
  }

  /**
   * A message was just stored: true when it should be forwarded now (the caller sends it with
   * key String(id)), false when it waits for the drain or a probe.
   */
  offer(id: number): boolean {
    if (this.closed) return false;
    const now = this.o.scheduler.now();
    if (this.mode === 'offline') {
      if (this.probeOut || now - this.lastProbeAt < LIVE_PROBE_EVERY_MS) return false;
      this.track(String(id), [id], 'probe');
      this.probeOut = true;
      this.lastProbeAt = now;
      return true;
    }
    this.track(String(id), [id], 'live');
    return true;
  }

  /** The database node completed this send. False when none of its messages was pending. */
  acknowledged(key: string, at: number): boolean {
    const send = this.untrack(key);
    const ids = send?.ids ?? singleId(key);
    if (ids === undefined) return false; // a batch from before a restart: its messages are re-sent
    for (const id of ids) this.lastFailAt.delete(id);
    const changed = this.o.store.markDeliveredMany(ids, at) > 0;
    this.lastAckAt = this.o.scheduler.now();
    this.everAcknowledged = true;
    this.probeDelay = this.firstProbeDelay();
    if (ids.length > 1) this.batchLimit = Math.min(this.o.batchSize, this.batchLimit * 2);
    if (this.mode === 'offline') {
      this.setMode('draining');
      this.schedule(0);
    } else if (this.mode === 'draining' && send?.kind === 'drain') {
      this.scheduleDrain();
    }
    return changed;
  }

  /** The database node failed on this send (a catch node, or no answer in time). */
  failed(key: string, reason: string): void {
    const send = this.untrack(key);
    const ids = send?.ids ?? singleId(key);
    if (ids === undefined) return;
    if (ids.length > 1) return this.batchFailed(ids, send!.sentAt);
    const id = ids[0];
    const attempts = this.o.store.recordFailure(id, reason);
    if (attempts === undefined) return; // already delivered, rejected or dropped
    const now = this.o.scheduler.now();
    const previousFailure = this.lastFailAt.get(id);
    this.lastFailAt.set(id, now);
    const answeredSince = previousFailure !== undefined && this.lastAckAt > previousFailure;
    if (this.o.rejectAfter > 0 && attempts >= this.o.rejectAfter && answeredSince) {
      this.o.store.reject(id);
      this.lastFailAt.delete(id);
      this.o.onRejected?.(id, attempts, reason);
      if (this.mode === 'draining') this.scheduleDrain();
      return;
    }
    this.goOffline();
  }

  close(): void {
    this.closed = true;
    this.timers.clearTimeout(this.expiryTimer);
    this.timers.clearTimeout(this.stepTimer);
    this.stepTimer = undefined;
  }

  /**
   * A batch of several messages failed: smaller batches from now on. When the database
   * acknowledged something since the batch went out it answers, so one of these messages is
   * refused: the drain goes back to them at once (they are pending and no longer out).
   * Otherwise the database is away.
   */
  private batchFailed(ids: number[], sentAt: number): void {
    this.batchLimit = Math.max(1, Math.floor(ids.length / 2));
    if (this.mode === 'draining' && this.lastAckAt > sentAt) {
      this.scheduleDrain();
      return;
    }
    this.goOffline();
  }

  private goOffline(): void {
    if (this.mode === 'offline') return;
    this.setMode('offline');
    this.probeDelay = this.firstProbeDelay();
    this.schedule(this.probeDelay);
  }

  private track(key: string, ids: number[], kind: Send['kind']): void {
    this.sends.set(key, { ids, sentAt: this.o.scheduler.now(), kind });
    for (const id of ids) this.outIds.add(id);
    if (kind === 'drain') this.drainsOut++;
  }

  private untrack(key: string): Send | undefined {
    const send = this.sends.get(key);
    if (!send) return undefined;
    this.sends.delete(key);
    for (const id of send.ids) this.outIds.delete(id);
    if (send.kind === 'drain') this.drainsOut--;
    if (send.kind === 'probe') this.probeOut = false;
    return send;
  }

  private setMode(mode: ForwarderMode): void {
    if (mode === this.mode) return;
    this.mode = mode;
    this.o.onChange?.();
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    this.timers.clearTimeout(this.stepTimer);
    this.stepTimer = this.timers.setTimeout(() => {
      this.stepTimer = undefined;
      // A timer has no caller to hand an error to: report it and try again (the state is in the file).
      try {
        this.step();
      } catch (err) {
        this.o.onError?.(err as Error);
        this.schedule(STEP_RETRY_MS);
      }
    }, ms);
  }

  /** the next drain batch, paced to `ratePerS` */
  private scheduleDrain(): void {
    this.schedule(Math.max(0, this.lastDrainAt + 1000 / this.o.ratePerS - this.o.scheduler.now()));
  }

  private step(): void {
    if (this.closed) return;
    if (this.mode === 'draining') this.drain();
    else if (this.mode === 'offline') this.probe();
  }

  /**
   * Sends the oldest pending messages that are not out yet, as batches, while the window has
   * room. Whatever a page held beyond the window stays pending and is read again next time.
   */
  private drain(): void {
    if (this.drainsOut >= WINDOW) return; // an answer schedules the next
    const page = this.nextPage(this.o.merges() ? this.batchLimit : WINDOW - this.drainsOut);
    if (page.length === 0) {
      // Nothing left to send; passing once the last drain batch is answered.
      if (this.drainsOut === 0) this.setMode('passing');
      return;
    }
    this.lastDrainAt = this.o.scheduler.now();
    for (const batch of this.o.compose(page)) {
      if (this.drainsOut >= WINDOW) break;
      const key = batch.ids.length === 1 ? String(batch.ids[0]) : `b${this.nextBatchKey++}`;
      this.track(key, batch.ids, 'drain');
      this.o.resend(key, batch);
    }
    if (this.drainsOut < WINDOW) this.scheduleDrain();
  }

  /** Up to `limit` of the oldest pending messages that are not out already, read in pages. */
  private nextPage(limit: number): StoredMessage[] {
    const page: StoredMessage[] = [];
    let after = 0;
    while (page.length < limit) {
      const rows = this.o.store.pendingAfterId(after, limit + this.outIds.size);
      if (rows.length === 0) break;
      for (const m of rows) if (!this.outIds.has(m.id) && page.length < limit) page.push(m);
      after = rows[rows.length - 1].id;
    }
    return page;
  }

  private firstProbeDelay(): number {
    return Math.min(FIRST_PROBE_MS, this.o.retryIntervalMs);
  }

  private probe(): void {
    const now = this.o.scheduler.now();
    if (!this.probeOut && now - this.lastProbeAt >= Math.min(this.probeDelay, this.firstProbeDelay())) {
      const [first, second] = this.o.store.oldestPending(2 + this.outIds.size).filter((m) => !this.outIds.has(m.id));
      if (first !== undefined) {
        let pick = first;
        if (this.o.rejectAfter > 0 && first.attempts >= this.o.rejectAfter && second !== undefined) {
          if (this.probeSecondNext) pick = second;
          this.probeSecondNext = !this.probeSecondNext;
        }
        this.probeOut = true;
        this.lastProbeAt = now;
        const key = String(pick.id);
        this.track(key, [pick.id], 'probe');
        this.o.resend(key, this.o.compose([pick])[0]);
      }
      this.probeDelay = Math.min(this.o.retryIntervalMs, this.probeDelay * 2);
    }
    this.schedule(this.probeDelay);
  }

  private armExpiry(): void {
    this.expiryTimer = this.timers.setTimeout(() => {
      try {
        this.expireUnanswered();
      } catch (err) {
        this.o.onError?.(err as Error);
      }
      if (!this.closed) this.armExpiry();
    }, this.expiryEveryMs);
  }

  private expireUnanswered(): void {
    const now = this.o.scheduler.now();
    for (const [key, send] of [...this.sends]) {
      if (now - send.sentAt < this.o.ackTimeoutMs) continue;
      if (!this.everAcknowledged && !this.warnedNoAck) {
        this.warnedNoAck = true;
        this.o.onNoAcknowledgement?.();
      }
      this.failed(key, `no acknowledgement within ${Math.round(this.o.ackTimeoutMs / 1000)} s`);
    }
  }
}

/** A single message's key is its row id (as it comes back from before a restart too). */
function singleId(key: string): number[] | undefined {
  const id = Number(key);
  return /^\d+$/.test(key) && Number.isSafeInteger(id) && id > 0 ? [id] : undefined;
}
