/**
 * Did a failed request go out on the wire? A report says "written" only for a write that did
 * (common brief: "written" = went out on the wire). The arbiter says so itself: a TransportError
 * carries `onWire` when the request (or an earlier attempt of it) was written. Otherwise its kind
 * tells: a queue deadline, a closed or unopened bus, a unit marked unreachable and a cancellation
 * fail a request before it is sent; a timeout, a bad reply, an exception answer or a protocol
 * mismatch come after it was.
 */
import { ConfigError, ModbusException, ProtocolError, TransportError } from '../bus/errors';

/** Why a write never left the queue (the TransportError kinds that mean so), or 'invalid' for bad input. */
export type NotSentCause = 'deadline' | 'closed' | 'unreachable' | 'cancelled' | 'open' | 'invalid';

/** The cause when `err` means the request was never sent; undefined when it went out. */
export function notSentCause(err: unknown): NotSentCause | undefined {
  if (err instanceof ConfigError) return 'invalid';
  if (err instanceof ModbusException || err instanceof ProtocolError) return undefined;
  if (err instanceof TransportError) {
    if (err.onWire) return undefined;
    switch (err.kind) {
      case 'deadline':
      case 'unreachable':
      case 'cancelled':
      case 'open':
      case 'closed':
        return err.kind;
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
