import type { Clock } from '../bus/clock';
import type { CacheStore, StoredMessage } from './cacheStore';

/**
 * When to send which pending message. Three modes:
 * - passing: nothing waits; a new message is forwarded as soon as it is stored.
 * - draining: the database answers and a backlog waits; pending messages are re-sent oldest
 *   first, one at a time (the next after the previous one's answer), at most `ratePerS`.
 *   New messages queue behind the backlog, so order is kept.
 * - offline: a delivery failed (or was not acknowledged in time); every `retryIntervalMs` one
 *   probe is sent: the oldest pending message. Its acknowledgement means the database answers
 *   again: back to draining.
 *
 * A message the database refuses while it accepts others would block the queue for ever. So
 * once the oldest has failed `rejectAfter` times, every other probe is the second oldest; if
 * that one is acknowledged, the oldest is sent again and, should it fail although the
 * database answered since its previous failure, it is set aside (rejected): kept, counted,
 * never sent again. `rejectAfter` 0 turns this off.
 */
export interface ForwarderOptions {
  store: CacheStore;
  /** forward a stored message; `message` is its decoded body */
  resend: (id: number, stored: StoredMessage) => void;
  ratePerS: number;
  retryIntervalMs: number;
  ackTimeoutMs: number;
  rejectAfter: number;
  clock: Clock;
  onRejected?: (id: number, attempts: number, reason: string) => void;
  /** the first acknowledgement timeout while none has ever come back */
  onNoAcknowledgement?: () => void;
  /** the mode changed */
  onChange?: () => void;
}

export type ForwarderMode = 'passing' | 'draining' | 'offline';

export class Forwarder {
  private mode: ForwarderMode = 'passing';
  /** id → when it was sent (monotonic ms) */
  private readonly inFlight = new Map<number, number>();
  /** last id the drain sent */
  private cursor = 0;
  private drainInFlight: number | undefined;
  private drainSentAt = 0;
  private probeInFlight: number | undefined;
  private probeSecondNext = false;
  private lastAckAt = Number.NEGATIVE_INFINITY;
  private everAcknowledged = false;
  private warnedNoAck = false;
  /** id → monotonic time of its last failure */
  private readonly lastFailAt = new Map<number, number>();
  private stepTimer: NodeJS.Timeout | undefined;
  private readonly timeoutTimer: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly o: ForwarderOptions) {
    const check = Math.max(10, Math.min(1000, o.ackTimeoutMs / 4));
    this.timeoutTimer = setInterval(() => this.expireUnanswered(), check);
    // A backlog from before a restart is drained first; its outcome tells whether the database answers.
    if (o.store.getCounts().pending > 0) this.setMode('draining');
    this.schedule(0);
  }

  get currentMode(): ForwarderMode {
    return this.mode;
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /**
   * A message was just stored: true when it should be forwarded now (the caller sends it),
   * false when it waits for the drain or a probe.
   */
  offer(id: number): boolean {
    if (this.closed || this.mode !== 'passing') return false;
    this.inFlight.set(id, this.o.clock.now());
    return true;
  }

  /** The database node completed this message. False when it was not pending. */
  acknowledged(id: number, at: number): boolean {
    this.inFlight.delete(id);
    this.lastFailAt.delete(id);
    const changed = this.o.store.markDelivered(id, at);
    this.lastAckAt = this.o.clock.now();
    this.everAcknowledged = true;
    if (id === this.probeInFlight) this.probeInFlight = undefined;
    if (this.mode === 'offline') {
      this.cursor = 0;
      this.setMode('draining');
      this.schedule(0);
    } else if (id === this.drainInFlight) {
      this.drainInFlight = undefined;
      this.schedule(Math.max(0, this.drainSentAt + 1000 / this.o.ratePerS - this.o.clock.now()));
    }
    return changed;
  }

  /** The database node failed on this message (a catch node, or no answer in time). */
  failed(id: number, reason: string): void {
    this.inFlight.delete(id);
    if (id === this.probeInFlight) this.probeInFlight = undefined;
    if (id === this.drainInFlight) this.drainInFlight = undefined;
    const attempts = this.o.store.recordFailure(id, reason);
    if (attempts === undefined) return; // already delivered, rejected or dropped
    const now = this.o.clock.now();
    const previousFailure = this.lastFailAt.get(id);
    this.lastFailAt.set(id, now);
    const answeredSince = previousFailure !== undefined && this.lastAckAt > previousFailure;
    if (this.o.rejectAfter > 0 && attempts >= this.o.rejectAfter && answeredSince) {
      this.o.store.reject(id);
      this.lastFailAt.delete(id);
      this.o.onRejected?.(id, attempts, reason);
      if (this.mode === 'draining') this.schedule(0);
      return;
    }
    if (this.mode !== 'offline') {
      this.drainInFlight = undefined;
      this.setMode('offline');
      this.schedule(this.o.retryIntervalMs);
    }
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timeoutTimer);
    if (this.stepTimer) clearTimeout(this.stepTimer);
    this.stepTimer = undefined;
  }

  private setMode(mode: ForwarderMode): void {
    if (mode === this.mode) return;
    this.mode = mode;
    this.o.onChange?.();
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    if (this.stepTimer) clearTimeout(this.stepTimer);
    this.stepTimer = setTimeout(() => {
      this.stepTimer = undefined;
      this.step();
    }, ms);
  }

  private step(): void {
    if (this.closed) return;
    if (this.mode === 'draining') this.drainOne();
    else if (this.mode === 'offline') this.probe();
  }

  private drainOne(): void {
    if (this.drainInFlight !== undefined) return; // its answer schedules the next
    let next: StoredMessage | undefined;
    let after = this.cursor;
    while (next === undefined) {
      const batch = this.o.store.pendingAfterId(after, 50);
      if (batch.length === 0) break;
      next = batch.find((m) => !this.inFlight.has(m.id));
      after = batch[batch.length - 1].id;
    }
    if (next === undefined) {
      this.setMode('passing');
      return;
    }
    this.cursor = next.id;
    this.drainInFlight = next.id;
    this.drainSentAt = this.o.clock.now();
    this.send(next);
  }

  private probe(): void {
    this.schedule(this.o.retryIntervalMs);
    if (this.probeInFlight !== undefined) return; // still waiting for its answer or timeout
    const [first, second] = this.o.store.oldestPending(2).filter((m) => !this.inFlight.has(m.id));
    if (first === undefined) return;
    let pick = first;
    if (this.o.rejectAfter > 0 && first.attempts >= this.o.rejectAfter && second !== undefined) {
      if (this.probeSecondNext) pick = second;
      this.probeSecondNext = !this.probeSecondNext;
    }
    this.probeInFlight = pick.id;
    this.send(pick);
  }

  private send(m: StoredMessage): void {
    this.inFlight.set(m.id, this.o.clock.now());
    this.o.resend(m.id, m);
  }

  private expireUnanswered(): void {
    const now = this.o.clock.now();
    for (const [id, sentAt] of [...this.inFlight]) {
      if (now - sentAt < this.o.ackTimeoutMs) continue;
      if (!this.everAcknowledged && !this.warnedNoAck) {
        this.warnedNoAck = true;
        this.o.onNoAcknowledgement?.();
      }
      this.failed(id, `no acknowledgement within ${Math.round(this.o.ackTimeoutMs / 1000)} s`);
    }
  }
}
