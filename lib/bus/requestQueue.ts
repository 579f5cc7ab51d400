import type { BusRequest } from './request';
import { Priority } from './priority';
import { TransportError } from './errors';

interface Waiter {
  resolve(value: unknown): void;
  reject(err: Error): void;
  deadlineAt: number;
  timer: NodeJS.Timeout | undefined;
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

  constructor(private readonly onCoalesce: () => void) {}

  get length(): number {
    return this.classes.reduce((n, c) => n + c.length, 0);
  }

  add<T>(request: BusRequest<T>, deadlineMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter = { resolve: resolve as (v: unknown) => void, reject, deadlineAt: performance.now() + deadlineMs, timer: undefined };
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
    });
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
        for (const w of entry.waiters) clearTimeout(w.timer);
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
    const now = performance.now();
    const alive = entry.waiters.filter((w) => w.deadlineAt > now);
    for (const w of entry.waiters) if (w.deadlineAt <= now) w.reject(deadlineError(entry.request, lastError));
    entry.waiters.splice(0, entry.waiters.length, ...alive);
    if (alive.length === 0) return;
    this.classes[entry.priority].push(entry);
    for (const w of alive) this.arm(entry, w);
  }

  settle(entry: QueueEntry, err: Error | undefined, value?: unknown): void {
    for (const w of entry.waiters) {
      clearTimeout(w.timer);
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
    const remaining = waiter.deadlineAt - performance.now();
    waiter.timer = setTimeout(() => this.expire(entry, waiter), Math.max(0, remaining));
  }

  private expire(entry: QueueEntry, waiter: Waiter): void {
    const i = entry.waiters.indexOf(waiter);
    if (i < 0) return;
    entry.waiters.splice(i, 1);
    waiter.reject(deadlineError(entry.request));
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

function deadlineError(request: BusRequest<unknown>, lastError?: Error): TransportError {
  const what = request.unit ? ` for ${request.unit}` : '';
  const why = lastError ? ` (last attempt: ${lastError.message})` : '';
  return new TransportError('deadline', `request${what} passed its queue deadline and was not sent${why}`, request.unit);
}

export { Priority };
