import { ConfigError } from '../bus/errors';
import { isKacoAddress, isKacoCommand, type KacoCommand } from './commands';

/**
 * The request frame `#AAc` + CR. KACO's note ends it with CR; kacors485 sent CR LF and the
 * inverters accept both, CR alone is one byte shorter on the wire.
 */
export function buildRequest(address: number, command: KacoCommand): Buffer {
  if (!isKacoAddress(address)) throw new ConfigError(`KACO address must be an integer 1–32, got ${String(address)}`);
  if (!isKacoCommand(command)) throw new ConfigError(`unknown KACO command ${JSON.stringify(command)}`);
  return Buffer.from(`#${String(address).padStart(2, '0')}${command}\r`, 'ascii');
}

/** The bus unit name of an inverter, for reachability and counters. */
export function kacoUnit(address: number): string {
  return `kaco:${address}`;
}
