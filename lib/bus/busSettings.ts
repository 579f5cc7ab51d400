import type { LinkConfig } from './link';

/**
 * How frames are carried on a bus:
 * - 'rtu': Modbus RTU framing (a serial port, or a raw TCP serial server); KACO's ASCII
 *   protocol can share such a bus through the arbiter
 * - 'modbus-tcp': Modbus TCP (MBAP) to a gateway such as a ComBox or Conext Gateway
 */
export type FramingMode = 'rtu' | 'modbus-tcp';

export interface BusSettings {
  link: LinkConfig;
  framing: FramingMode;
  /** response timeout, ms */
  timeoutMs: number;
  /** extra silence after every transaction, ms, on top of t3.5 */
  pauseMs: number;
  /** default queue deadline of a request, ms */
  deadlineMs: number;
  /** every frame in hex with its timing to the log at debug level */
  trace: boolean;
}

export const DEFAULT_BUS_SETTINGS = {
  timeoutMs: 1000,
  pauseMs: 0,
  deadlineMs: 30000,
  trace: false,
} as const;

export type BusState = 'opening' | 'open' | 'reconnecting' | 'closed';

export interface BusCounters {
  state: BusState;
  /** what the link opened, e.g. /dev/ttyUSB0 or 127.0.0.1:502 */
  description: string;
  transactions: number;
  errors: number;
  errorsByKind: Record<string, number>;
  retries: number;
  coalesced: number;
  /** fraction of wall time the wire was busy over the last minute, 0–1 */
  utilisation: number;
  queueLength: number;
  /** wall-clock ms (Date.now()) of each unit's last successful transaction */
  lastSuccess: Record<string, number>;
  /** wall-clock ms of the bus's last successful transaction, or null */
  lastSuccessAny: number | null;
  /** units currently marked unreachable */
  unreachable: string[];
}
