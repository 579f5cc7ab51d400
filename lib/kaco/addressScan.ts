import { Priority } from '../bus/priority';
import { TransportError } from '../bus/errors';
import { KACO_ADDRESS_MAX, KACO_ADDRESS_MIN } from './commands';
import type { KacoClient } from './kacoClient';

export interface ScanFinding {
  address: number;
  /** what command 9 named */
  type: string;
}

export interface ScanResult {
  found: ScanFinding[];
  /** addresses where something answered but not a valid command 9 reply (e.g. a checksum error) */
  garbled: number[];
}

/**
 * Which addresses answer command 9, one at a time in the background class (polls go first).
 * Asleep inverters are asked too (probe), since a scan is what a user runs to find them; at
 * night every inverter is off and nothing answers.
 */
export async function scanAddresses(client: KacoClient, from = KACO_ADDRESS_MIN, to = KACO_ADDRESS_MAX): Promise<ScanResult> {
  const result: ScanResult = { found: [], garbled: [] };
  for (let address = from; address <= to; address++) {
    try {
      const type = await client.readType(address, { priority: Priority.Background, probe: true, deadlineMs: 60000 });
      result.found.push({ address, type });
    } catch (err) {
      if (err instanceof TransportError && (err.kind === 'closed' || err.kind === 'cancelled')) throw err;
      if (!(err instanceof TransportError && (err.kind === 'timeout' || err.kind === 'unreachable' || err.kind === 'deadline'))) result.garbled.push(address);
    }
  }
  return result;
}
