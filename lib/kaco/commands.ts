/**
 * KACO RS485 commands, as data. A request is `#` + two-digit address + command + CR.
 * Source: KACO "AN_RS485protocol_KACO_20110513_DE" v2.0 and the implementations listed in
 * shared/reference/kaco-rs485.md (command 3 is not in the 2011 note; s answers on blueplanet only).
 */
export const KACO_COMMANDS = {
  '0': { what: 'measured values; the reply command tells the family: 0 standard, 4 series 000xi, n generic', replies: ['0', '4', 'n'] },
  '1': { what: 'series 000xi: measured values of sub-inverter 1', replies: ['1'] },
  '2': { what: 'series 000xi: measured values of sub-inverter 2', replies: ['2'] },
  '3': { what: 'daily peak power, yield and hour counters (series 000xi: sub-inverter 3)', replies: ['3'] },
  '8': { what: 'firmware version', replies: ['8'] },
  '9': { what: 'inverter type', replies: ['9'] },
  s: { what: 'serial number (blueplanet only; xi units stay silent)', replies: ['s'] },
} as const;

export type KacoCommand = keyof typeof KACO_COMMANDS;

export function isKacoCommand(value: unknown): value is KacoCommand {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(KACO_COMMANDS, value);
}

/** Addresses an inverter can be set to (0 is not allowed). */
export const KACO_ADDRESS_MIN = 1;
export const KACO_ADDRESS_MAX = 32;

export function isKacoAddress(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= KACO_ADDRESS_MIN && value <= KACO_ADDRESS_MAX;
}
