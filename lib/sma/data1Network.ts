/**
 * What the SMA Data1 layer knows of one RS485 line, shared by every reader on it (kept in the
 * bus's context, so it goes with the bus): the devices the discovery found, their channel lists
 * (cached per serial: YASDI caches per device type, but a firmware update changes a device's list
 * and the serial is what a user configures), and the last CMD_SYN_ONLINE.
 */
import type { ContextSlot } from '../bus/busContext';
import type { Data1Channel } from './data1Channels';
import type { Data1Framing } from './data1FrameReader';

export interface Data1Device {
  serial: number;
  /** network address on the line, 1–255 */
  address: number;
  /** the type text of its discovery answer (e.g. "WR700-07", "SB 3000") */
  type: string;
  /** the framing it answered in */
  framing: Data1Framing;
}

export interface Data1Sync {
  framing: Data1Framing;
  /** settles once the broadcast (and the bus's wait after it) is done */
  done: Promise<void>;
  /** the bus's now() when it was asked for */
  at: number;
}

export class Data1Network {
  /** by serial */
  readonly devices = new Map<number, Data1Device>();
  /** by serial */
  readonly channels = new Map<number, readonly Data1Channel[]>();
  /** the discovery under way, shared by everyone who asks meanwhile */
  discovery: Promise<Data1Device[]> | undefined;
  /** the bus's now() at the last discovery's end */
  lastDiscoveryAt: number | undefined;
  /** the last CMD_SYN_ONLINE per framing */
  readonly syncs = new Map<Data1Framing, Data1Sync>();

  /** the device at this address, if any */
  atAddress(address: number): Data1Device | undefined {
    for (const d of this.devices.values()) if (d.address === address) return d;
    return undefined;
  }
}

export const DATA1_NETWORK: ContextSlot<Data1Network> = { name: 'sma-data1 network', create: () => new Data1Network() };

/** The bus unit of a Data1 device: its serial, which stays when the master gives it another address. */
export function data1Unit(serial: number): string {
  return `sma:${serial}`;
}
