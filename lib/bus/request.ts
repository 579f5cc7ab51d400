import type { Link } from './link';
import type { Priority } from './priority';
import type { Scheduler } from '../time/scheduler';

/** What a transaction sees while it owns the wire. */
export interface TransactionContext {
  readonly link: Link;
  /** the bus's time: a protocol's reply timers run on it (virtual in tests) */
  readonly scheduler: Scheduler;
  /** response timeout for this transaction, ms */
  readonly timeoutMs: number;
  /** aborted when the link closes under the transaction or the bus is shut down */
  readonly signal: AbortSignal;
  /**
   * Subscribe to bytes arriving while this transaction owns the wire; returns the unsubscribe
   * function. Bytes that arrive between transactions are stale and never reach a transaction.
   */
  onData(listener: (chunk: Buffer) => void): () => void;
  /** write through the bus (traced when the bus trace is on) */
  write(data: Buffer): Promise<void>;
  /** records a frame for the trace ("tx"/"rx") when tracing is on; cheap otherwise */
  trace(direction: 'tx' | 'rx', bytes: Buffer, note?: string): void;
}

/** One unit of work for the arbiter: exactly one request/reply exchange on the wire. */
export interface BusRequest<T> {
  /** who asked (node id): `Bus.cancelOwner` ends this owner's queued requests when it closes */
  owner: string;
  /**
   * Aborting it ends the request with a "cancelled" error if it is still queued (it is then never
   * sent); once on the wire the exchange completes, so the line stays in step with the device.
   */
  signal?: AbortSignal;
  /** the unit addressed, e.g. "modbus:10", "kaco:3"; used for reachability and last-success counters */
  unit?: string;
  priority: Priority;
  /** queue deadline, ms from submission: past it the request fails and is never sent */
  deadlineMs?: number;
  /** response timeout, ms; default the bus's timeout */
  timeoutMs?: number;
  /** identical queued requests with the same key share one transaction and one result */
  coalesceKey?: string;
  /** extra silence after this transaction before the next one (KACO needs ~1 s) */
  pauseAfterMs?: number;
  /**
   * After an exchange that got no valid answer (timeout, truncated, CRC, protocol error), keep
   * the line quiet until this many ms after the request went out, so a reply still on its way
   * arrives between transactions and is discarded as stale — instead of being taken for the
   * answer to the next request, or running into it on the wire. For protocols whose replies do
   * not say which request they answer (Modbus RTU), and for any whose client may end an exchange
   * before the reply's last byte (KACO's early refusal of a garbled frame: its response time).
   */
  lateReplyGuardMs?: number;
  /**
   * Replies that cannot be told apart share this key (Modbus RTU: unit, function and reply
   * length). After this request goes unanswered, no request with the same key but another
   * `replyIdentity` is sent until `lateReplyHoldMs` after its write: a reply later than the line's
   * guard may still come and would be taken for that request's answer. Requests for other keys go
   * on after the guard; an identical request (a retry) is not held, the late reply is its answer.
   */
  replyKey?: string;
  /** what the request asks exactly (an identical one may take the late reply as its own); default: never identical */
  replyIdentity?: string;
  /** how long after the write a reply to this request may still arrive, ms (with `replyKey`) */
  lateReplyHoldMs?: number;
  /** re-attempts on timeout / CRC / truncated within the deadline; default 0 */
  retries?: number;
  /** a probe of an unreachable unit: allowed through while the unit is marked unreachable */
  probe?: boolean;
  /** runs the exchange; must settle (the context's timeout is enforced by the arbiter too) */
  run(ctx: TransactionContext): Promise<T>;
}
