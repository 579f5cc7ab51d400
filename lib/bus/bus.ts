import { EventEmitter } from 'node:events';
import type { Link, LinkConfig } from './link';
import type { BusRequest, TransactionContext } from './request';
import type { BusCounters, BusSettings, BusState } from './busSettings';
import { monotonicClock, type Clock } from './clock';
import { ModbusException, ProtocolError, TransportError } from './errors';
import { RequestQueue, type QueueEntry } from './requestQueue';
import { UnitHealth, type UnitPolicy } from './unitHealth';
import { BusStatistics } from './busStatistics';
import { preciseDelay } from './preciseDelay';
import { t35Ms } from './wireTiming';
import { SerialLink } from './serialLink';
import { TcpLink } from './tcpLink';
import { LinkTracker, notSentText, type LinkStatus } from './linkCause';

/** Grace the arbiter gives a transaction beyond its own timeout before taking the wire back. */
const GUARD_MS = 250;
const REOPEN_INITIAL_MS = 250;
const REOPEN_MAX_MS = 10000;
/** Longest a close waits for the line to fall quiet (Node-RED allows a close 15 s). */
const CLOSE_QUIET_MAX_MS = 5000;

export interface BusOptions {
  clock?: Clock;
  /** debug log (frame trace, state changes) */
  log?: (message: string) => void;
  linkFactory?: (config: LinkConfig) => Link;
}

export function createLink(config: LinkConfig): Link {
  return config.kind === 'serial' ? new SerialLink(config) : new TcpLink(config);
}

/**
 * One physical bus: its link, and the arbiter that puts exactly one transaction on the wire at
 * a time, in priority order, with the t3.5 silence (plus any pause) between frames. Emits
 * 'state' (state, detail) as the link opens, fails and reopens.
 */
export class Bus extends EventEmitter {
  readonly link: Link;
  private readonly clock: Clock;
  private readonly log: (message: string) => void;
  private readonly queue: RequestQueue;
  private readonly health: UnitHealth;
  private readonly stats: BusStatistics;
  private stateValue: BusState = 'closed';
  private stateDetail = '';
  private started = false;
  private closed = false;
  private inFlight: Promise<void> | undefined;
  private abortCurrent: AbortController | undefined;
  private dataListeners = new Set<(chunk: Buffer) => void>();
  private readyAt = 0;
  private gate: Promise<void> | undefined;
  private reopenTimer: NodeJS.Timeout | undefined;
  private reopenDelay = REOPEN_INITIAL_MS;
  private txStart = 0;
  /** performance.now() of the last bytes received in the transaction on the wire */
  private lastRxAt: number | undefined;
  private staleBytes = 0;
  /**
   * The line may still hold bytes of an earlier exchange (one went unanswered, or stray bytes
   * came between transactions): drain the input before the next write. A stalled event loop
   * (a long GC) runs the guard's timer before the poll phase that would deliver a reply which
   * arrived in time, and the next request's write would go out first and take it as its answer
   * (found by the fault soak with the whole suite's heap).
   */
  private drainBeforeNext = false;
  /** reply keys held after an unanswered exchange: until (performance.now) and the identity that may pass */
  private readonly replyHolds = new Map<string, { until: number; identity: string | undefined }>();
  private holdTimer: NodeJS.Timeout | undefined;
  private readonly linkTracker: LinkTracker;

  constructor(
    readonly key: string,
    readonly settings: BusSettings,
    options: BusOptions = {},
  ) {
    super();
    this.clock = options.clock ?? monotonicClock;
    this.log = options.log ?? (() => undefined);
    this.link = (options.linkFactory ?? createLink)(settings.link);
    this.linkTracker = new LinkTracker(settings.link);
    this.queue = new RequestQueue(() => (this.stats.coalesced += 1));
    this.health = new UnitHealth(this.clock);
    this.stats = new BusStatistics(this.clock);
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

  /** The silence every frame must be preceded by on this bus: t3.5 of the line, plus the configured pause. */
  get silenceMs(): number {
    const link = this.settings.link;
    if (this.settings.framing === 'modbus-tcp') return this.settings.pauseMs;
    const baud = link.kind === 'serial' ? link.baudRate : (link.lineBaudRate ?? 19200);
    const format = link.kind === 'serial' ? link.format : undefined;
    return t35Ms(baud, format) + this.settings.pauseMs;
  }

  /** Opens the link (and keeps reopening it with backoff when it is lost). Idempotent. */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    void this.openLink();
  }

  submit<T>(request: BusRequest<T>): Promise<T> {
    if (this.closed) return Promise.reject(new TransportError('closed', `bus ${this.key} is closed`, request.unit));
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
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.reopenTimer);
    clearTimeout(this.holdTimer);
    this.queue.failAll(new TransportError('closed', `bus ${this.key} was closed`));
    // The transaction on the wire is let finish (it is bounded by its timeout), and the line kept
    // quiet until its silence (or late-reply guard) has passed: otherwise the next deployment's
    // first frame could meet the device's answer to this one on the wire.
    await this.inFlight;
    await this.gate;
    const quiet = Math.min(CLOSE_QUIET_MAX_MS, this.readyAt - performance.now());
    if (quiet > 0 && this.link.isOpen) await preciseDelay(quiet);
    await this.link.close();
    this.setState('closed', '');
    this.removeAllListeners('state');
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
    return new TransportError('deadline', notSentText({ ...status, cause }), err.unit, cause);
  }

  private async openLink(): Promise<void> {
    if (this.closed) return;
    this.setState(this.stateValue === 'reconnecting' ? 'reconnecting' : 'opening', this.stateDetail);
    try {
      await this.link.open();
    } catch (err) {
      if (this.closed) return;
      this.setState('reconnecting', this.linkTracker.openFailed(err as Error).message);
      this.scheduleReopen();
      return;
    }
    if (this.closed) {
      await this.link.close();
      return;
    }
    this.reopenDelay = REOPEN_INITIAL_MS;
    this.linkTracker.opened();
    this.setState('open', this.link.description);
    this.pump();
  }

  private scheduleReopen(): void {
    clearTimeout(this.reopenTimer);
    this.reopenTimer = setTimeout(() => void this.openLink(), this.reopenDelay);
    this.reopenDelay = Math.min(REOPEN_MAX_MS, this.reopenDelay * 2);
  }

  private onLinkLost(err: Error): void {
    if (this.closed) return;
    // What is on the wire fails; what is queued waits for the link until its deadline.
    const cause = this.linkTracker.lost(err);
    this.abortCurrent?.abort(new TransportError('closed', `link lost: ${cause.message}`));
    this.setState('reconnecting', `link lost: ${cause.message}`);
    this.scheduleReopen();
  }

  private onLinkData(chunk: Buffer): void {
    if (this.dataListeners.size === 0 && !(this.inFlight && this.settings.framing === 'modbus-tcp')) {
      this.staleBytes += chunk.length;
      if (this.settings.trace) this.traceFrame('rx', chunk, 'stale, discarded');
      // Bytes on the line, even unwanted ones (a late reply, noise), restart the silence the next
      // frame must wait for: sending into them would collide on a half-duplex bus.
      if (!this.inFlight && this.settings.framing === 'rtu') {
        this.readyAt = Math.max(this.readyAt, performance.now() + this.silenceMs);
        this.drainBeforeNext = true;
      }
      return;
    }
    this.lastRxAt = performance.now();
    if (this.settings.trace) this.traceFrame('rx', chunk);
    for (const listener of this.dataListeners) listener(chunk);
  }

  private traceFrame(direction: 'tx' | 'rx', bytes: Buffer, note?: string): void {
    const at = (this.clock.now() - this.txStart).toFixed(1);
    this.log(`bus ${this.key} ${direction} +${at} ms ${bytes.toString('hex').replace(/(..)(?!$)/g, '$1 ')}${note ? ` (${note})` : ''}`);
  }

  private unreachableError(unit: string): TransportError {
    const wait = Math.ceil(this.health.msUntilProbe(unit) / 1000);
    return new TransportError('unreachable', `${unit} is not answering; next probe in ${wait} s`, unit);
  }

  /**
   * Until when (performance.now) a request must wait because a late reply to an unanswered
   * request it cannot be told from may still come; undefined when it may go.
   */
  private heldUntil(request: BusRequest<unknown>): number | undefined {
    const key = request.replyKey;
    if (key === undefined) return undefined;
    const hold = this.replyHolds.get(key);
    if (!hold) return undefined;
    if (performance.now() >= hold.until) {
      this.replyHolds.delete(key);
      return undefined;
    }
    return hold.identity !== undefined && hold.identity === request.replyIdentity ? undefined : hold.until;
  }

  /** Runs the pump again when the earliest reply hold ends (the silence is checked there as always). */
  private wakeAt(at: number): void {
    clearTimeout(this.holdTimer);
    this.holdTimer = setTimeout(() => {
      this.holdTimer = undefined;
      this.pump();
    }, Math.max(0, at - performance.now()));
  }

  /** Starts the next transaction if the wire is free, the link open and the silence has passed. */
  private pump(): void {
    if (this.inFlight || this.gate || this.closed || !this.link.isOpen) return;
    const wait = this.readyAt - performance.now();
    if (wait > 0) {
      this.gate = preciseDelay(wait).then(() => {
        this.gate = undefined;
        this.pump();
      });
      return;
    }
    if (this.drainBeforeNext) {
      // bytes delivered meanwhile are stale: they restart the silence, and this runs again
      this.drainBeforeNext = false;
      this.gate = this.link
        .discardInput()
        .catch(() => undefined)
        .then(() => {
          this.gate = undefined;
          this.pump();
        });
      return;
    }
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
    if (!entry) {
      if (heldUntil < Infinity) this.wakeAt(heldUntil);
      return;
    }
    this.inFlight = this.execute(entry).finally(() => {
      this.inFlight = undefined;
      // Let the owner of the finished transaction run first: a command that read state queues its
      // writes in the continuation, and they must outrank the poll already waiting (Modbus TCP has
      // no silence gate that would give it that chance otherwise).
      this.gate = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        this.gate = undefined;
        this.pump();
      });
    });
  }

  private async execute(entry: QueueEntry): Promise<void> {
    const request = entry.request;
    const timeoutMs = request.timeoutMs ?? this.settings.timeoutMs;
    const abort = new AbortController();
    this.abortCurrent = abort;
    const listeners = this.dataListeners;
    let writtenAt: number | undefined;
    const ctx: TransactionContext = {
      link: this.link,
      timeoutMs,
      signal: abort.signal,
      onData: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      write: (data) => {
        if (this.settings.trace) this.traceFrame('tx', data);
        writtenAt = performance.now();
        return this.link.write(data);
      },
      trace: (direction, bytes, note) => {
        if (this.settings.trace) this.traceFrame(direction, bytes, note);
      },
    };
    const start = this.clock.now();
    const sentAt = performance.now();
    this.txStart = start;
    this.lastRxAt = undefined;
    let outcome: { value: unknown } | { error: Error };
    try {
      outcome = { value: await guarded(request.run(ctx), timeoutMs + GUARD_MS, abort.signal, request.unit) };
    } catch (err) {
      outcome = { error: err instanceof Error ? err : new Error(String(err)) };
    }
    const end = this.clock.now();
    listeners.clear();
    this.abortCurrent = undefined;
    // The silence runs from the last byte on the line, not from the end of our processing of it:
    // decoding the reply and settling its promises happen while the line is quiet anyway.
    this.readyAt = (this.lastRxAt ?? performance.now()) + this.silenceMs + (request.pauseAfterMs ?? 0);
    if ('error' in outcome && unanswered(outcome.error)) {
      if (this.settings.framing === 'rtu') this.drainBeforeNext = true;
      // a reply may still be on its way: let it arrive between transactions, where it is discarded.
      // Counted from the request's write, when the device's clock starts: a stall between the start
      // of the transaction and the write would otherwise shorten the guard (found by the fault soak).
      // A CRC failure too: the frame that failed may have been a stale one cut short by the start
      // of the device's own reply, still coming (found by the fault-rate soak: without the guard
      // after a CRC failure, the next request met that reply on the wire).
      const wroteAt = writtenAt ?? sentAt;
      if (request.lateReplyGuardMs) this.readyAt = Math.max(this.readyAt, wroteAt + request.lateReplyGuardMs + this.silenceMs);
      // later than the guard, a reply can only be mistaken by a request it cannot be told from
      if (request.replyKey !== undefined && request.lateReplyHoldMs) {
        const until = wroteAt + request.lateReplyHoldMs;
        const prior = this.replyHolds.get(request.replyKey);
        if (!prior || prior.until < until) this.replyHolds.set(request.replyKey, { until, identity: request.replyIdentity });
      }
    }
    const unit = request.unit;

    if ('value' in outcome) {
      if (unit !== undefined) this.health.answered(unit);
      this.stats.success(unit, start, end);
      this.queue.settle(entry, undefined, outcome.value);
      return;
    }
    const err = outcome.error;
    this.stats.failure(err, start, end);
    const answered = err instanceof ModbusException || err instanceof ProtocolError;
    if (unit !== undefined) {
      if (answered) this.health.answered(unit);
      else if (err instanceof TransportError && err.kind === 'timeout') this.health.missed(unit);
    }
    const retryable = err instanceof TransportError && ['timeout', 'crc', 'truncated', 'closed'].includes(err.kind);
    if (retryable && entry.attempts < (request.retries ?? 0) && !this.closed && !(unit !== undefined && this.health.isUnreachable(unit))) {
      entry.attempts += 1;
      this.stats.retries += 1;
      this.queue.requeue(entry, err);
      return;
    }
    this.queue.settle(entry, err);
  }
}

/** The exchange went out but no valid answer came back. */
function unanswered(err: Error): boolean {
  return err instanceof ProtocolError || (err instanceof TransportError && (err.kind === 'timeout' || err.kind === 'truncated' || err.kind === 'crc'));
}

/** The transaction's own result, or a timeout/closed error if it overruns or the link goes. */
function guarded<T>(work: Promise<T>, limitMs: number, signal: AbortSignal, unit?: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      const reason: unknown = signal.reason;
      reject(reason instanceof TransportError ? reason : new TransportError('closed', 'the link closed during the transaction', unit));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      reject(new TransportError('timeout', `no answer within ${limitMs} ms`, unit));
    }, limitMs);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
