import { EventEmitter } from 'node:events';
import type { Link, LinkConfig } from './link';
import type { BusRequest, TransactionContext } from './request';
import type { BusCounters, BusSettings, BusState } from './busSettings';
import { systemScheduler, type Scheduler, type TimerHandle } from '../time/scheduler';
import { ModbusException, ProtocolError, TransportError } from './errors';
import { RequestQueue, type QueueEntry } from './requestQueue';
import { UnitHealth, type UnitPolicy } from './unitHealth';
import { BusStatistics } from './busStatistics';
import { t35Ms } from './wireTiming';
import { SerialLink } from './serialLink';
import { TcpLink } from './tcpLink';
import { UdpLink } from './udpLink';
import { canMove, type BusPhase } from './busPhase';
import { BusContext } from './busContext';
import { LinkTracker, notSentText, type LinkStatus } from './linkCause';

/** Grace the arbiter gives a transaction beyond its own timeout before taking the wire back. */
const GUARD_MS = 250;
const REOPEN_INITIAL_MS = 250;
const REOPEN_MAX_MS = 10000;
/** Longest a close waits for the line to fall quiet (Node-RED allows a close 15 s). */
const CLOSE_QUIET_MAX_MS = 5000;

export interface BusOptions {
  /** time for everything the bus does (lib/time/scheduler.ts); the system's when absent */
  scheduler?: Scheduler;
  /** every phase change (tests, diagnostics) */
  onPhase?: (from: BusPhase, to: BusPhase) => void;
  /** debug log (frame trace, state changes) */
  log?: (message: string) => void;
  linkFactory?: (config: LinkConfig) => Link;
}

export function createLink(config: LinkConfig): Link {
  switch (config.kind) {
    case 'serial':
      return new SerialLink(config);
    case 'tcp':
      return new TcpLink(config);
    case 'udp':
      return new UdpLink(config);
  }
}

/**
 * One physical bus: its link, and the arbiter that puts exactly one transaction on the wire at
 * a time, in priority order, with the t3.5 silence (plus any pause) between frames. Emits
 * 'state' (state, detail) as the link opens, fails and reopens.
 */
export class Bus extends EventEmitter {
  readonly link: Link;
  /** per-bus state of the layers above (Modbus client, read splits, unit locks, unit policies) */
  readonly context: BusContext = new BusContext(this);
  /** the bus's time; the protocol code on it gets it as TransactionContext.scheduler */
  readonly scheduler: Scheduler;
  private readonly log: (message: string) => void;
  private readonly onPhase: ((from: BusPhase, to: BusPhase) => void) | undefined;
  private readonly queue: RequestQueue;
  private readonly health: UnitHealth;
  private readonly stats: BusStatistics;
  /** the link as nodes see it (emitted as 'state'); the arbiter's own control state is `phaseValue` */
  private stateValue: BusState = 'closed';
  private stateDetail = '';
  private phaseValue: BusPhase = 'new';
  /** what the current phase waits for: the silence, the drain, the transaction or the yield */
  private current: Promise<void> | undefined;
  /** the transaction on the wire's abort (link loss, the guard, a close past its quiet window) */
  private abortCurrent: AbortController | undefined;
  private dataListeners = new Set<(chunk: Buffer) => void>();
  /** this.scheduler.now() before which no frame may go (t3.5 + pause, or a late-reply guard) */
  private readyAt = 0;
  private reopenTimer: TimerHandle | undefined;
  private reopenDelay = REOPEN_INITIAL_MS;
  private txStart = 0;
  /** this.scheduler.now() of the last bytes received in the transaction on the wire */
  private lastRxAt: number | undefined;
  private staleBytes = 0;
  /**
   * The line may still hold bytes of an earlier exchange (one went unanswered, or stray bytes
   * came between transactions): the pump drains the input before the next write. A stalled event
   * loop (a long GC) runs the guard's timer before the poll phase that would deliver a reply which
   * arrived in time, and the next request's write would go out first and take it as its answer
   * (found by the fault soak with the whole suite's heap).
   */
  private lineDirty = false;
  /** reply keys held after an unanswered exchange: until (the bus's now()) and the identity that may pass */
  private readonly replyHolds = new Map<string, { until: number; identity: string | undefined }>();
  private holdTimer: TimerHandle | undefined;
  private readonly linkTracker: LinkTracker;

  constructor(
    readonly key: string,
    readonly settings: BusSettings,
    options: BusOptions = {},
  ) {
    super();
    this.scheduler = options.scheduler ?? systemScheduler;
    this.log = options.log ?? (() => undefined);
    this.onPhase = options.onPhase;
    this.link = (options.linkFactory ?? createLink)(settings.link);
    this.linkTracker = new LinkTracker(settings.link, this.scheduler);
    this.queue = new RequestQueue(this.scheduler, () => (this.stats.coalesced += 1));
    this.health = new UnitHealth(this.scheduler);
    this.stats = new BusStatistics(this.scheduler);
    this.link.on('data', (chunk: Buffer) => this.onLinkData(chunk));
    this.link.on('close', (err: Error) => this.onLinkLost(err));
  }

  get state(): BusState {
    return this.stateValue;
  }

  get detail(): string {
    return this.stateDetail;
  }

  /** Never opened / open / lost, with the cause and since when: what users of the bus show. */
  get linkStatus(): LinkStatus {
    return this.linkTracker.status;
  }

  /** The arbiter's control state (lib/bus/busPhase.ts). */
  get phase(): BusPhase {
    return this.phaseValue;
  }

  /** The silence every frame must be preceded by on this bus: t3.5 of the line, plus the configured pause. */
  get silenceMs(): number {
    const link = this.settings.link;
    if (this.settings.framing === 'modbus-tcp' || link.kind === 'udp') return this.settings.pauseMs;
    const baud = link.kind === 'serial' ? link.baudRate : (link.lineBaudRate ?? 19200);
    const format = link.kind === 'serial' ? link.format : undefined;
    return t35Ms(baud, format) + this.settings.pauseMs;
  }

  /** Opens the link (and keeps reopening it with backoff when it is lost). Idempotent. */
  start(): void {
    if (this.phaseValue !== 'new') return;
    void this.openLink();
  }

  submit<T>(request: BusRequest<T>): Promise<T> {
    if (this.isShutDown()) return Promise.reject(new TransportError('closed', `bus ${this.key} is closed`, request.unit));
    if (request.unit !== undefined && !request.probe && !this.health.wouldAdmit(request.unit)) {
      this.stats.failure(new TransportError('unreachable', ''));
      return Promise.reject(this.unreachableError(request.unit));
    }
    const promise = this.queue.add(request, request.deadlineMs ?? this.settings.deadlineMs);
    this.pump();
    return promise.catch((err: unknown) => {
      throw this.withLinkCause(err);
    });
  }

  /**
   * Ends every queued request of `owner` (a node that is closing) with a "cancelled" error: none
   * of them is sent. A request of its already on the wire completes (cutting it short would leave
   * the device's reply to run into the next frame). Returns how many were cancelled.
   */
  cancelOwner(owner: string, reason = 'its node closed'): number {
    return this.queue.cancel(
      (o) => o === owner,
      (request) => new TransportError('cancelled', `request${request.unit ? ` for ${request.unit}` : ''} cancelled before it was sent: ${reason}`, request.unit),
    );
  }

  setUnitPolicy(prefix: string, policy: Partial<UnitPolicy>): void {
    this.health.setPolicy(prefix, policy);
  }

  isUnreachable(unit: string): boolean {
    return this.health.isUnreachable(unit);
  }

  counters(): BusCounters {
    const s = this.stats;
    return {
      state: this.stateValue,
      description: this.link.description,
      transactions: s.transactions,
      errors: s.errors,
      errorsByKind: { ...s.errorsByKind },
      retries: s.retries,
      coalesced: s.coalesced,
      utilisation: s.utilisation(),
      queueLength: this.queue.length,
      lastSuccess: { ...s.lastSuccess },
      lastSuccessAny: s.lastSuccessAny,
      unreachable: this.health.unreachableUnits(),
    };
  }

  /** Monotonic ms (this bus's clock) of the last successful transaction, for health checks. */
  lastSuccessMonotonic(): number | null {
    return this.stats.lastSuccessMonotonic;
  }

  /** Fails everything queued, lets the transaction on the wire finish or abort, and releases the port. */
  async close(): Promise<void> {
    if (this.isShutDown()) return;
    const was = this.phaseValue;
    const current = this.current;
    this.move('closing');
    this.scheduler.clearTimeout(this.reopenTimer);
    this.scheduler.clearTimeout(this.holdTimer);
    this.queue.failAll(new TransportError('closed', `bus ${this.key} was closed`));
    // The transaction on the wire is let finish (it is bounded by its timeout; past the close's
    // quiet window it is aborted), and the line kept quiet until its silence (or late-reply guard)
    // has passed: otherwise the next deployment's first frame could meet the device's answer to
    // this one on the wire.
    if (was === 'inFlight' && current) await this.settleInFlight(current, CLOSE_QUIET_MAX_MS);
    else await current;
    const quiet = Math.min(CLOSE_QUIET_MAX_MS, this.readyAt - this.scheduler.now());
    if (quiet > 0 && this.link.isOpen) await this.scheduler.delay(quiet);
    await this.link.close();
    this.move('closed');
    this.setState('closed', '');
    this.removeAllListeners('state');
  }

  private isShutDown(): boolean {
    return this.phaseValue === 'closing' || this.phaseValue === 'closed';
  }

  /** The one way the phase changes: checked against BUS_TRANSITIONS. */
  private move(to: BusPhase): void {
    const from = this.phaseValue;
    if (!canMove(from, to)) throw new Error(`bus ${this.key}: no move from ${from} to ${to}`);
    this.phaseValue = to;
    this.onPhase?.(from, to);
  }

  /** Waits for the transaction on the wire, aborting it ("cancelled") if it runs past `limitMs`. */
  private async settleInFlight(transaction: Promise<void>, limitMs: number): Promise<void> {
    let timer: TimerHandle | undefined;
    const overrun = new Promise<void>((resolve) => {
      timer = this.scheduler.setTimeout(() => {
        this.abortCurrent?.abort(new TransportError('cancelled', `bus ${this.key} closed during the transaction`));
        resolve();
      }, limitMs);
    });
    await Promise.race([transaction, overrun]);
    this.scheduler.clearTimeout(timer);
    await transaction;
  }

  private setState(state: BusState, detail: string): void {
    if (state === this.stateValue && detail === this.stateDetail) return;
    this.stateValue = state;
    this.stateDetail = detail;
    this.log(`bus ${this.key}: ${state}${detail ? ` (${detail})` : ''}`);
    this.emit('state', state, detail);
  }

  /** A request that waited past its deadline because the link was down says so, and why. */
  private withLinkCause(err: unknown): unknown {
    const status = this.linkTracker.status;
    const cause = status.cause;
    if (!(err instanceof TransportError) || err.kind !== 'deadline' || this.link.isOpen || !cause) return err;
    return new TransportError('deadline', notSentText({ ...status, cause }), err.unit, cause, err.onWire);
  }

  private async openLink(): Promise<void> {
    if (this.isShutDown()) return;
    this.move('opening');
    this.setState(this.stateValue === 'reconnecting' ? 'reconnecting' : 'opening', this.stateDetail);
    try {
      await this.link.open();
    } catch (err) {
      if (this.isShutDown()) return;
      this.setState('reconnecting', this.linkTracker.openFailed(err as Error).message);
      this.reconnect();
      return;
    }
    if (this.isShutDown()) {
      await this.link.close();
      return;
    }
    this.reopenDelay = REOPEN_INITIAL_MS;
    this.linkTracker.opened();
    this.move('idle');
    this.setState('open', this.link.description);
    this.pump();
  }

  /** The link is down and the wire free: reopen after the backoff. */
  private reconnect(): void {
    this.move('reconnecting');
    this.scheduler.clearTimeout(this.reopenTimer);
    this.reopenTimer = this.scheduler.setTimeout(() => void this.openLink(), this.reopenDelay);
    this.reopenDelay = Math.min(REOPEN_MAX_MS, this.reopenDelay * 2);
  }

  private onLinkLost(err: Error): void {
    if (this.isShutDown()) return;
    // What is on the wire fails; what is queued waits for the link until its deadline. A phase in
    // progress (the transaction, a silence) ends first; the pump then finds the link down.
    const cause = this.linkTracker.lost(err);
    this.abortCurrent?.abort(new TransportError('closed', `link lost: ${cause.message}`));
    this.setState('reconnecting', `link lost: ${cause.message}`);
    if (this.phaseValue === 'idle') this.reconnect();
  }

  private onLinkData(chunk: Buffer): void {
    const inFlight = this.phaseValue === 'inFlight';
    if (this.dataListeners.size === 0 && !(inFlight && this.settings.framing === 'modbus-tcp')) {
      this.staleBytes += chunk.length;
      if (this.settings.trace) this.traceFrame('rx', chunk, 'stale, discarded');
      // Bytes on the line, even unwanted ones (a late reply, noise), restart the silence the next
      // frame must wait for: sending into them would collide on a half-duplex bus.
      if (!inFlight && this.settings.framing === 'rtu') {
        this.readyAt = Math.max(this.readyAt, this.scheduler.now() + this.silenceMs);
        this.lineDirty = true;
      }
      return;
    }
    this.lastRxAt = this.scheduler.now();
    if (this.settings.trace) this.traceFrame('rx', chunk);
    for (const listener of this.dataListeners) listener(chunk);
  }

  private traceFrame(direction: 'tx' | 'rx', bytes: Buffer, note?: string): void {
    const at = (this.scheduler.now() - this.txStart).toFixed(1);
    this.log(`bus ${this.key} ${direction} +${at} ms ${bytes.toString('hex').replace(/(..)(?!$)/g, '$1 ')}${note ? ` (${note})` : ''}`);
  }

  private unreachableError(unit: string): TransportError {
    const wait = Math.ceil(this.health.msUntilProbe(unit) / 1000);
    return new TransportError('unreachable', `${unit} is not answering; next probe in ${wait} s`, unit);
  }

  /**
   * Until when (the bus's now()) a request must wait because a late reply to an unanswered
   * request it cannot be told from may still come; undefined when it may go.
   */
  private heldUntil(request: BusRequest<unknown>): number | undefined {
    const key = request.replyKey;
    if (key === undefined) return undefined;
    const hold = this.replyHolds.get(key);
    if (!hold) return undefined;
    if (this.scheduler.now() >= hold.until) {
      this.replyHolds.delete(key);
      return undefined;
    }
    return hold.identity !== undefined && hold.identity === request.replyIdentity ? undefined : hold.until;
  }

  /** Runs the pump again when the earliest reply hold ends (the silence is checked there as always). */
  private wakeAt(at: number): void {
    this.scheduler.clearTimeout(this.holdTimer);
    this.holdTimer = this.scheduler.setTimeout(() => {
      this.holdTimer = undefined;
      this.pump();
    }, Math.max(0, at - this.scheduler.now()));
  }

  /**
   * The one entry of the arbiter: acts only when idle, and decides the next phase — reconnect
   * when the link is down, wait out the silence, drain the line, or put the next request on the wire.
   */
  private pump(): void {
    if (this.phaseValue !== 'idle') return;
    if (!this.link.isOpen) return this.reconnect();
    if (this.queue.length === 0) return; // rests idle; a submit runs the pump again
    const wait = this.readyAt - this.scheduler.now();
    if (wait > 0) return this.waitIn('silence', this.scheduler.delay(wait));
    if (this.lineDirty) {
      // bytes delivered meanwhile are stale: they restart the silence, and the pump runs again
      this.lineDirty = false;
      return this.waitIn('draining', this.link.discardInput().catch(() => undefined));
    }
    const entry = this.next();
    if (!entry) return;
    this.move('inFlight');
    // execute settles every outcome itself; a throw here is a bug, logged so the bus goes on
    const transaction = this.execute(entry).catch((err: unknown) => this.log(`bus ${this.key}: ${String(err)}`));
    this.current = transaction.then(() => {
      if (this.phaseValue !== 'inFlight') return; // closing: close() takes it from here
      // Let the owner of the finished transaction run first: a command that read state queues its
      // writes in the continuation, and they must outrank the poll already waiting (Modbus TCP has
      // no silence gate that would give it that chance otherwise).
      this.waitIn('yielding', new Promise<void>((resolve) => setImmediate(resolve)));
    });
  }

  /** Enters a waiting phase; when `work` ends (and nothing moved meanwhile) back to idle and the pump. */
  private waitIn(phase: 'silence' | 'draining' | 'yielding', work: Promise<void>): void {
    this.move(phase);
    this.current = work.then(() => {
      if (this.phaseValue !== phase) return;
      this.current = undefined;
      this.move('idle');
      this.pump();
    });
  }

  /** The next request that may go now, in priority order; arms a wake-up when held requests are all that is left. */
  private next(): QueueEntry | undefined {
    let heldUntil = Infinity;
    const entry = this.queue.take((e) => {
      const held = this.heldUntil(e.request);
      if (held !== undefined) {
        heldUntil = Math.min(heldUntil, held);
        return 'wait';
      }
      const unit = e.request.unit;
      // a probe (a scan) goes even when no scheduled probe is due: decided here, at dispatch
      if (unit === undefined || e.request.probe || this.health.admit(unit)) return undefined;
      this.stats.failure(new TransportError('unreachable', ''));
      return this.unreachableError(unit);
    });
    if (!entry && heldUntil < Infinity) this.wakeAt(heldUntil);
    return entry;
  }

  /** One transaction: its outcome, then the silence it leaves, then health and statistics, then a retry or the result. */
  private async execute(entry: QueueEntry): Promise<void> {
    const t = await this.transact(entry.request);
    this.leaveSilence(entry.request, t);
    this.record(entry.request.unit, t);
    this.settleOrRetry(entry, t.outcome);
  }

  private async transact(request: BusRequest<unknown>): Promise<Transaction> {
    const timeoutMs = request.timeoutMs ?? this.settings.timeoutMs;
    const abort = new AbortController();
    this.abortCurrent = abort;
    const listeners = this.dataListeners;
    let writtenAt: number | undefined;
    let wrote = false;
    const ctx: TransactionContext = {
      link: this.link,
      scheduler: this.scheduler,
      timeoutMs,
      signal: abort.signal,
      onData: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      write: (data) => {
        if (this.settings.trace) this.traceFrame('tx', data);
        writtenAt = this.scheduler.now();
        // the device's clock starts when the bytes leave: once the OS has them, not when we asked
        // (a starved thread pool can hold a serial write for milliseconds)
        return this.link.write(data).then(() => {
          writtenAt = this.scheduler.now();
          wrote = true;
        });
      },
      trace: (direction, bytes, note) => {
        if (this.settings.trace) this.traceFrame(direction, bytes, note);
      },
    };
    const start = this.scheduler.now();
    const sentAt = this.scheduler.now();
    this.txStart = start;
    this.lastRxAt = undefined;
    let outcome: Outcome;
    try {
      outcome = { value: await guarded(this.scheduler, request.run(ctx), timeoutMs + GUARD_MS, abort, request.unit) };
    } catch (err) {
      outcome = { error: err instanceof Error ? err : new Error(String(err)) };
      if (wrote && err instanceof TransportError) err.onWire = true;
    }
    const end = this.scheduler.now();
    listeners.clear();
    this.abortCurrent = undefined;
    return { outcome, start, end, wroteAt: writtenAt ?? sentAt };
  }

  /** When the next frame may go after this transaction, and what an unanswered one holds back. */
  private leaveSilence(request: BusRequest<unknown>, t: Transaction): void {
    // The silence runs from the last byte on the line, not from the end of our processing of it:
    // decoding the reply and settling its promises happen while the line is quiet anyway.
    this.readyAt = (this.lastRxAt ?? this.scheduler.now()) + this.silenceMs + (request.pauseAfterMs ?? 0);
    if (!('error' in t.outcome) || !unanswered(t.outcome.error)) return;
    if (this.settings.framing === 'rtu') this.lineDirty = true;
    // a reply may still be on its way: let it arrive between transactions, where it is discarded.
    // Counted from the request's write, when the device's clock starts: a stall between the start
    // of the transaction and the write would otherwise shorten the guard (found by the fault soak).
    // A CRC failure too: the frame that failed may have been a stale one cut short by the start
    // of the device's own reply, still coming (found by the fault-rate soak: without the guard
    // after a CRC failure, the next request met that reply on the wire).
    if (request.lateReplyGuardMs) this.readyAt = Math.max(this.readyAt, t.wroteAt + request.lateReplyGuardMs + this.silenceMs);
    // later than the guard, a reply can only be mistaken by a request it cannot be told from
    if (request.replyKey !== undefined && request.lateReplyHoldMs) {
      const until = t.wroteAt + request.lateReplyHoldMs;
      const prior = this.replyHolds.get(request.replyKey);
      if (!prior || prior.until < until) this.replyHolds.set(request.replyKey, { until, identity: request.replyIdentity });
    }
  }

  /** Unit health (an answer, or a miss towards unreachable) and the bus statistics. */
  private record(unit: string | undefined, t: Transaction): void {
    if ('value' in t.outcome) {
      if (unit !== undefined) this.health.answered(unit);
      this.stats.success(unit, t.start, t.end);
      return;
    }
    const err = t.outcome.error;
    this.stats.failure(err, t.start, t.end);
    if (unit === undefined) return;
    if (err instanceof ModbusException || err instanceof ProtocolError) this.health.answered(unit);
    else if (err instanceof TransportError && err.kind === 'timeout') this.health.missed(unit);
  }

  private settleOrRetry(entry: QueueEntry, outcome: Outcome): void {
    if ('value' in outcome) {
      this.queue.settle(entry, undefined, outcome.value);
      return;
    }
    const err = outcome.error;
    const request = entry.request;
    const unit = request.unit;
    const retryable = err instanceof TransportError && ['timeout', 'crc', 'truncated', 'closed'].includes(err.kind);
    if (retryable && entry.attempts < (request.retries ?? 0) && !this.isShutDown() && !(unit !== undefined && this.health.isUnreachable(unit))) {
      entry.attempts += 1;
      this.stats.retries += 1;
      this.queue.requeue(entry, err);
      return;
    }
    this.queue.settle(entry, err);
  }
}

type Outcome = { value: unknown } | { error: Error };

interface Transaction {
  outcome: Outcome;
  /** the bus clock at the start and end of the transaction */
  start: number;
  end: number;
  /** this.scheduler.now() when the request's write was with the OS (the start when nothing was written) */
  wroteAt: number;
}

/** The exchange went out but no valid answer came back. */
function unanswered(err: Error): boolean {
  return err instanceof ProtocolError || (err instanceof TransportError && (err.kind === 'timeout' || err.kind === 'truncated' || err.kind === 'crc'));
}

/**
 * The transaction's own result, or a timeout/closed error if it overruns or the link goes. When
 * the arbiter gives up on it, the transaction's signal is aborted too, so it stops listening and
 * cannot act on the line after the wire was taken back.
 */
function guarded<T>(scheduler: Scheduler, work: Promise<T>, limitMs: number, abort: AbortController, unit?: string): Promise<T> {
  const signal = abort.signal;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      scheduler.clearTimeout(timer);
      const reason: unknown = signal.reason;
      reject(reason instanceof TransportError ? reason : new TransportError('closed', 'the link closed during the transaction', unit));
    };
    const timer = scheduler.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      const err = new TransportError('timeout', `no answer within ${limitMs} ms`, unit);
      abort.abort(err);
      reject(err);
    }, limitMs);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        scheduler.clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        scheduler.clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
