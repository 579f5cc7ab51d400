import type { UserGroup } from './logon';

/**
 * What every way of reading an SMA device gives the poller: SMA Data1 on an RS485 line, and
 * SMAData2+ over Bluetooth or Speedwire. The poller, the sleep policy and the message shapes are
 * the same for all three; only the source differs.
 */

/** How the device is reached. */
export type SmaTransport = 'data1' | 'bluetooth' | 'speedwire';

/** One device's values of one cycle, in the field names of lib/sma/lriTable.ts (snake case, SI-ish units). */
export interface SmaReading {
  /** the device's serial number, as it reports it */
  serial: number;
  /** the device type as it reports it (e.g. "SB 3000", "SMC 6000A"), when known */
  type?: string;
  /**
   * Values by field name. A value the device marks "not available" (SMA's NaN markers) is absent,
   * never a huge number; a status field is its text.
   */
  fields: Record<string, number | string>;
  /** wall-clock ms (Date.now()) when the last reply of the reading arrived */
  time: number;
}

export interface SmaReadOptions {
  /** set when the owner stops: requests still queued end at once with a "cancelled" error */
  signal?: AbortSignal;
  /** goes to the wire even while the device is marked asleep (a scan, a logon test) */
  probe?: boolean;
}

/**
 * One SMA device behind one transport. `read` resolves with the device's values or rejects with
 * an Error that names the cause (a TransportError 'timeout' for no answer, so the poller can tell
 * a sleeping device from a broken one; a LogonError for a refused password).
 */
export interface SmaSource {
  readonly transport: SmaTransport;
  /** "kaco:3"-style unit key on its bus, e.g. "sma:1234567890" */
  readonly unit: string;
  read(options?: SmaReadOptions): Promise<SmaReading>;
  /** ends what this source still has queued and releases what it holds; idempotent */
  close(): Promise<void>;
}

/** A logon the device refused: never retried at once (SMA devices may lock a group out). */
export class LogonError extends Error {
  constructor(
    readonly group: UserGroup,
    /** e.g. "wrong password" */
    readonly reason: string,
  ) {
    super(`logon refused for user group ${group}: ${reason}`);
    this.name = 'LogonError';
  }
}
