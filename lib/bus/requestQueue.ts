import type { BusRequest } from './request';
import { Priority } from './priority';
import { TransportError } from './errors';
import type { Scheduler, TimerHandle } from '../time/scheduler';

interface Waiter {
  resolve(value: unknown): void;
  reject(err: Error): void;
  /** who asked (a node id): `cancel` ends the waiters of one owner */
  owner: string;
  deadlineAt: number;
  timer: TimerHandle | undefined;
  /** removes the listener on the request's AbortSignal */
  unlisten: (() => void) | undefined;
}

/** One transaction waiting for the wire, with everyone waiting for its result (coalesced polls share one). */
export interface QueueEntry {
  readonly request: BusRequest<unknown>;
  readonly waiters: Waiter[];
  attempts: number;
  /** the class it waits in: the highest of its waiters' (a critical read joining a background one lifts it) */
  priority: Priority;
}

/**
 * The arbiter's queue: one FIFO per priority class, identical requests coalesced, and a queue
 * deadline per waiter — past it the waiter fails and, with no one left waiting, the request is
 * dropped before it is ever sent.
 */
export class RequestQueue {
  private readonly classes: QueueEntry[][] = [[], [], [], []];
  private readonly byKey = new Map<string, QueueEntry>();

  constructor(
    private readonly scheduler: Scheduler,
    private readonly onCoalesce: () => void,
  ) {}

  get length(): number {
    return this.classes.reduce((n, c) => n + c.length, 0);
  }

  add<T>(request: BusRequest<T>, deadlineMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const signal = request.signal;
      if (signal?.aborted) {
        reject(cancelledError(request, signal.reason));
        return;
      }
      const waiter: Waiter = {
        resolve: resolve as (v: unknown) => void,
        reject,
        owner: request.owner,
        deadlineAt: this.scheduler.now() + deadlineMs,
        timer: undefined,
        unlisten: undefined,
      };
      const key = request.coalesceKey;
      const twin = key === undefined ? undefined : this.byKey.get(key);
      let entry: QueueEntry;
      if (twin) {
        entry = twin;
        this.onCoalesce();
        if (request.priority < twin.priority) this.lift(twin, request.priority);
      } else {
        entry = { request: request as BusRequest<unknown>, waiters: [], attempts: 0, priority: request.priority };
        this.classes[request.priority].push(entry);
        if (key !== undefined) this.byKey.set(key, entry);
      }
      entry.waiters.push(waiter);
      this.arm(entry, waiter);
      if (signal) {
        const onAbort = (): void => this.cancelWaiter(entry, waiter, cancelledError(request, signal.reason));
        signal.addEventListener('abort', onAbort, { once: true });
        waiter.unlisten = () => signal.removeEventListener('abort', onAbort);
      }
    });
  }

  /**
   * Ends the queued waiters `which` selects with `err` (a cancellation): each ends at once, and a
   * request left with no one waiting is dropped before it is ever sent. A request already on the
   * wire is not in the queue: it completes and settles as usual.
   */
  cancel(which: (owner: string) => boolean, err: (request: BusRequest<unknown>) => Error): number {
    let cancelled = 0;
    for (const queue of this.classes) {
      for (const entry of [...queue]) {
        for (const w of [...entry.waiters]) {
          if (!which(w.owner)) continue;
          this.cancelWaiter(entry, w, err(entry.request));
          cancelled += 1;
        }
      }
    }
    return cancelled;
  }

  /**
   * Next entry in priority order that `admit` accepts; refused entries are failed with the error
   * `admit` returns, and entries it answers 'wait' for stay where they are (in order).
   */
  take(admit: (e: QueueEntry) => Error | 'wait' | undefined): QueueEntry | undefined {
    for (const queue of this.classes) {
      for (let i = 0; i < queue.length; ) {
        const entry = queue[i];
        const refusal = admit(entry);
        if (refusal === 'wait') {
          i++;
          continue;
        }
        queue.splice(i, 1);
        this.forgetKey(entry);
        if (refusal) {
          this.settle(entry, refusal);
          continue;
        }
        // on the wire now: a deadline or a cancellation no longer applies, the exchange settles it
        for (const w of entry.waiters) {
          this.scheduler.clearTimeout(w.timer);
          w.unlisten?.();
          w.unlisten = undefined;
        }
        return entry;
      }
    }
    return undefined;
  }

  /**
   * Puts an entry back for a retry, or fails it if its deadline passed. It goes behind what its
   * class already holds: a unit that does not answer must not hold up the requests for the
   * others (with the retry at the head, a dead unit's retries all ran before the next unit's
   * write — found by the command fault soak).
   */
  requeue(entry: QueueEntry, lastError: Error): void {
    const now = this.scheduler.now();
    const alive = entry.waiters.filter((w) => w.deadlineAt > now);
    for (const w of entry.waiters) if (w.deadlineAt <= now) w.reject(deadlineError(entry.request, true, lastError));
    entry.waiters.splice(0, entry.waiters.length, ...alive);
    if (alive.length === 0) return;
    const signal = entry.request.signal;
    if (signal?.aborted) {
      this.settle(entry, cancelledError(entry.request, signal.reason));
      return;
    }
    this.classes[entry.priority].push(entry);
    for (const w of alive) {
      this.arm(entry, w);
      if (signal && !w.unlisten) {
        const onAbort = (): void => this.cancelWaiter(entry, w, cancelledError(entry.request, signal.reason));
        signal.addEventListener('abort', onAbort, { once: true });
        w.unlisten = () => signal.removeEventListener('abort', onAbort);
      }
    }
  }

  settle(entry: QueueEntry, err: Error | undefined, value?: unknown): void {
    for (const w of entry.waiters) {
      this.scheduler.clearTimeout(w.timer);
      w.unlisten?.();
      if (err) w.reject(err);
      else w.resolve(value);
    }
    entry.waiters.length = 0;
  }

  /** Fails every queued request matching `which` (all when omitted). */
  failAll(err: Error, which: (e: QueueEntry) => boolean = () => true): void {
    for (const queue of this.classes) {
      for (let i = queue.length - 1; i >= 0; i--) {
        if (!which(queue[i])) continue;
        const [entry] = queue.splice(i, 1);
        this.forgetKey(entry);
        this.settle(entry, err);
      }
    }
  }

  private arm(entry: QueueEntry, waiter: Waiter): void {
    const remaining = waiter.deadlineAt - this.scheduler.now();
    waiter.timer = this.scheduler.setTimeout(() => this.expire(entry, waiter), Math.max(0, remaining));
  }

  private expire(entry: QueueEntry, waiter: Waiter): void {
    this.drop(entry, waiter, deadlineError(entry.request, entry.attempts > 0));
  }

  private cancelWaiter(entry: QueueEntry, waiter: Waiter, err: Error): void {
    // only while queued: once taken for the wire, the exchange settles its waiters
    if (!this.classes[entry.priority].includes(entry)) return;
    this.drop(entry, waiter, err);
  }

  /** Ends one waiter; a queued entry left with no waiter is removed, never sent. */
  private drop(entry: QueueEntry, waiter: Waiter, err: Error): void {
    const i = entry.waiters.indexOf(waiter);
    if (i < 0) return;
    entry.waiters.splice(i, 1);
    this.scheduler.clearTimeout(waiter.timer);
    waiter.unlisten?.();
    waiter.unlisten = undefined;
    waiter.reject(err);
    if (entry.waiters.length > 0) return;
    const queue = this.classes[entry.priority];
    const at = queue.indexOf(entry);
    if (at >= 0) queue.splice(at, 1);
    this.forgetKey(entry);
  }

  /** Moves a queued entry to the back of a higher class (it is served as its most urgent waiter needs). */
  private lift(entry: QueueEntry, priority: Priority): void {
    const from = this.classes[entry.priority];
    const at = from.indexOf(entry);
    if (at < 0) return;
    from.splice(at, 1);
    entry.priority = priority;
    this.classes[priority].push(entry);
  }

  private forgetKey(entry: QueueEntry): void {
    const key = entry.request.coalesceKey;
    if (key !== undefined && this.byKey.get(key) === entry) this.byKey.delete(key);
  }
}

/** `sent`: an earlier attempt went out (it is the retry that was not sent). */
function deadlineError(request: BusRequest<unknown>, sent: boolean, lastError?: Error): TransportError {
  const what = request.unit ? ` for ${request.unit}` : '';
  const why = lastError ? ` (last attempt: ${lastError.message})` : '';
  const which = sent ? 'its retry was not sent' : 'was not sent';
  return new TransportError('deadline', `request${what} passed its queue deadline and ${which}${why}`, request.unit, undefined, sent);
}

function cancelledError(request: BusRequest<unknown>, reason: unknown): TransportError {
  if (reason instanceof TransportError && reason.kind === 'cancelled') return reason;
  const what = request.unit ? ` for ${request.unit}` : '';
  const why = reason instanceof Error ? `: ${reason.message}` : typeof reason === 'string' ? `: ${reason}` : '';
  return new TransportError('cancelled', `request${what} cancelled before it was sent${why}`, request.unit);
}

export { Priority };
