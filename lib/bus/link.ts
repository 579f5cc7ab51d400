import { EventEmitter } from 'node:events';
import type { CharFormat } from './wireTiming';

/** How a bus reaches the wire. */
export type LinkConfig = SerialLinkConfig | TcpLinkConfig | UdpLinkConfig;

export interface SerialLinkConfig {
  kind: 'serial';
  /** a device path, a /dev/serial/by-id/… link, or a glob such as /dev/ttyUSB* (resolved at every open) */
  path: string;
  baudRate: number;
  format: CharFormat;
}

export interface TcpLinkConfig {
  kind: 'tcp';
  host: string;
  port: number;
  /** baud rate of the serial line behind a raw serial server, for the t3.5 silence (default 19200) */
  lineBaudRate?: number;
}

/** UDP to one peer (SMA Speedwire, port 9522): one datagram is one 'data' chunk; no line, so no t3.5. */
export interface UdpLinkConfig {
  kind: 'udp';
  host: string;
  port: number;
}

/**
 * A byte pipe to the wire: a serial port, a TCP socket or a UDP socket. Events:
 * - 'data' (chunk: Buffer)
 * - 'close' (err?: Error) — the link went away (unplug, reset); not emitted for close()
 */
export interface Link extends EventEmitter {
  readonly config: LinkConfig;
  readonly isOpen: boolean;
  /** what was actually opened (the resolved device path, host:port) */
  readonly description: string;
  open(): Promise<void>;
  close(): Promise<void>;
  /** resolves once the bytes are handed to the OS */
  write(data: Buffer): Promise<void>;
  /**
   * Drops what the OS holds of the line's input and resolves once a read already under way has
   * delivered its bytes (as 'data', before this resolves): the next request then starts on a
   * line with nothing of an earlier exchange in the pipe.
   */
  discardInput(): Promise<void>;
  /** the underlying socket for Modbus TCP (modbus-serial's TcpPort frames on it); undefined for serial */
  readonly socket?: import('node:net').Socket;
}

export abstract class LinkBase extends EventEmitter implements Link {
  abstract readonly config: LinkConfig;
  abstract readonly isOpen: boolean;
  abstract readonly description: string;
  abstract open(): Promise<void>;
  abstract close(): Promise<void>;
  abstract write(data: Buffer): Promise<void>;
  abstract discardInput(): Promise<void>;
}

/** One turn of the event loop: its poll phase delivers what the OS has already handed over. */
export function afterPendingIo(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}
