/**
 * Did a failed request go out on the wire? A report says "written" only for a write that did
 * (common brief: "written" = went out on the wire). The arbiter's errors tell it by kind
 * (lib/bus/errors.ts): a queue deadline, a closed or unopened bus, a unit marked unreachable and a
 * cancellation fail a request before it is sent; a timeout, a bad reply, an exception answer or
 * a protocol mismatch come after it was.
 */
import { ConfigError, ModbusException, ProtocolError, TransportError } from '../bus/errors';

/** Why a write never left the queue (the TransportError kinds that mean so), or 'invalid' for bad input. */
export type NotSentCause = 'deadline' | 'closed' | 'unreachable' | 'cancelled' | 'open' | 'invalid';

/**
 * The link lost under a transaction on the wire fails it as 'closed' too (lib/bus/bus.ts aborts
 * the current transaction with "link lost: …", or "the link closed during the transaction"): that
 * request was being sent, so it counts as sent. These two texts are the arbiter's own; it has no
 * separate kind for them.
 */
const CLOSED_ON_THE_WIRE = /^(link lost|the link closed during the transaction)/;
/**
 * A request the arbiter retried and then let pass its deadline fails as 'deadline' naming its
 * last attempt (lib/bus/requestQueue.ts deadlineError: "… was not sent (last attempt: …)"): its
 * first attempt did go out.
 */
const RETRIED = /\(last attempt: /;

/** The cause when `err` means the request was never sent; undefined when it went out. */
export function notSentCause(err: unknown): NotSentCause | undefined {
  if (err instanceof ConfigError) return 'invalid';
  if (err instanceof ModbusException || err instanceof ProtocolError) return undefined;
  if (err instanceof TransportError) {
    switch (err.kind) {
      case 'deadline':
        return RETRIED.test(err.message) ? undefined : 'deadline';
      case 'unreachable':
      case 'cancelled':
      case 'open':
        return err.kind;
      case 'closed':
        return CLOSED_ON_THE_WIRE.test(err.message) ? undefined : 'closed';
      default:
        return undefined; // timeout, crc, truncated: it went out, the answer did not come back whole
    }
  }
  return undefined;
}

/** A failure worth another attempt of the same write (sent, no valid answer). */
export function retryable(err: unknown): boolean {
  return err instanceof TransportError && (err.kind === 'timeout' || err.kind === 'crc' || err.kind === 'truncated');
}
