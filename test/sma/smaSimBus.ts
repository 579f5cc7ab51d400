/** Real Buses to the SMA simulators: the pty standing in for /dev/rfcomm0, and loopback UDP for Speedwire. */
import { Bus } from '../../lib/bus/bus';
import type { BusSettings } from '../../lib/bus/busSettings';
import type { LinkConfig } from '../../lib/bus/link';
import { FORMAT_8N1 } from '../../lib/bus/wireTiming';
import type { SmaSimDeviceSpec } from '../../lib/sim/smaData2Device';
import { waitFor } from '../support/waitFor';

export const SMC: SmaSimDeviceSpec = { susyId: 128, serial: 2100123456, name: 'SMC 6000A', password: '0000', ratedW: 6000, strings: 2 };
export const NOON = (): number => 12;
export const NIGHT = (): number => 2;

export function settingsFor(link: LinkConfig): BusSettings {
  return { link, framing: 'rtu', timeoutMs: 1000, pauseMs: 0, deadlineMs: 30000, trace: false };
}

export async function openBus(link: LinkConfig): Promise<Bus> {
  const bus = new Bus(`sma-test-${Math.random()}`, settingsFor(link));
  bus.start();
  await waitFor(() => bus.state === 'open', 5000, 'bus open');
  return bus;
}

/** the RFCOMM tty as the bus opens it: a serial link; the baud rate means nothing to RFCOMM */
export const rfcommLink = (path: string): LinkConfig => ({ kind: 'serial', path, baudRate: 115200, format: FORMAT_8N1 });
export const udpLink = (port: number): LinkConfig => ({ kind: 'udp', host: '127.0.0.1', port });

/** The rejection of `p`, failing when it resolves. */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection, the read resolved');
}

export { waitFor };
