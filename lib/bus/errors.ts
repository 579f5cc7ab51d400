import type { LinkCause } from './linkCause';

/**
 * The three kinds of failure on a bus (after tokio-modbus): a valid exception answer from the
 * device, a transport failure, and an answer that does not match the question.
 */

/** Why a transport failed. `deadline`: the request waited in the queue past its deadline and was never sent. */
export type TransportErrorKind =
  | 'timeout'
  | 'crc'
  | 'truncated'
  | 'closed'
  | 'open'
  | 'deadline'
  | 'unreachable'
  | 'cancelled';

export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(
    readonly kind: TransportErrorKind,
    message: string,
    readonly unit?: string,
    /** why the link was down when this request failed unsent (deadline), and since when */
    readonly linkCause?: LinkCause,
    /**
     * The request went out on the wire — this attempt or an earlier one of it — before it failed
     * (a timeout, the link lost mid-exchange, a retry that then passed its deadline). Set by the
     * bus, which knows; a report says "written" only when this is true (lib/xw/wireOutcome.ts).
     */
    public onWire = false,
  ) {
    super(message);
  }
}

/** Modbus exception codes (Modbus Application Protocol V1.1b3, section 7). */
export const MODBUS_EXCEPTION_TEXT: Readonly<Record<number, string>> = {
  1: 'illegal function',
  2: 'illegal data address',
  3: 'illegal data value',
  4: 'server device failure',
  5: 'acknowledge',
  6: 'server device busy',
  8: 'memory parity error',
  10: 'gateway path unavailable',
  11: 'gateway target device failed to respond',
};

export class ModbusException extends Error {
  override readonly name = 'ModbusException';
  constructor(
    readonly code: number,
    readonly unit: number,
    readonly functionCode: number,
  ) {
    super(`unit ${unit} answered function ${functionCode} with exception ${code} (${MODBUS_EXCEPTION_TEXT[code] ?? 'unknown'})`);
  }
}

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(
    message: string,
    readonly received?: Buffer,
  ) {
    super(message);
  }
}

/** Configuration or input that must never reach the wire. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** A short stable label of an error for counters ("errors by kind"). */
export function errorKind(err: unknown): string {
  if (err instanceof TransportError) return err.kind;
  if (err instanceof ModbusException) return `exception_${err.code}`;
  if (err instanceof ProtocolError) return 'protocol';
  return 'other';
}
