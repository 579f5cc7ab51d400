import { busDownText, type BusDown } from './busStatus';

/**
 * Why an editor's scan (xw-inverter, kaco-inverter, sma-inverter) found nothing or could not run, as a code and
 * its parameters. The scan endpoints answer with both: `reason`, the English of SCAN_REASON_ENGLISH
 * (whole, as errors are), and `why`, this object, for the editor to say in its language from the
 * node's locale (<type>.scan.why.<code>; a bus's cause from rs485-bus.cause.<code>).
 */
export type ScanReason =
  /** the bus's first open attempt failed: "cannot scan: port /dev/ttyNOPE not found, retrying" */
  | { code: 'busDown'; bus: BusDown }
  /** every address timed out */
  | { code: 'noUnit'; from: number; to: number }
  | { code: 'noInverter'; from: number; to: number }
  /** no SMA Data1 device answered the network discovery */
  | { code: 'noSmaDevice' }
  /** the bus id names no running rs485-bus node */
  | { code: 'notDeployed' }
  | { code: 'badUnitRange'; min: number; max: number; maxSpan: number }
  | { code: 'badAddressRange'; min: number; max: number }
  /** a Modbus TCP gateway cannot carry KACO's ASCII protocol */
  | { code: 'modbusTcpBus'; link: string };

type English = { [C in ScanReason['code']]: (r: Extract<ScanReason, { code: C }>) => string };

/** The English of every code; the locales' <type>.scan.why.* say the same (test/i18n keeps them equal). */
export const SCAN_REASON_ENGLISH: English = {
  busDown: (r) => `cannot scan: ${busDownText(r.bus)}`,
  noUnit: (r) => `no unit answered at ${r.from}–${r.to}`,
  noInverter: (r) => `no inverter answered at ${r.from}–${r.to} (at night KACO inverters are switched off)`,
  noSmaDevice: () => 'no SMA device answered the discovery (at night SMA inverters switch their communication off)',
  notDeployed: () => 'deploy the bus first: the scan uses a running rs485-bus node',
  badUnitRange: (r) => `from/to must be unit addresses ${r.min}–${r.max}, at most ${r.maxSpan} apart`,
  badAddressRange: (r) => `from/to must be KACO addresses ${r.min}–${r.max}, from <= to`,
  modbusTcpBus: (r) =>
    `bus ${r.link} is a Modbus TCP gateway, which cannot carry KACO's RS485 protocol: use a serial port or a raw TCP serial server (connection "serial" or "tcp-raw")`,
};

export function scanReasonText(reason: ScanReason): string {
  // the table is total over the codes; TypeScript cannot pair the entry with the narrowed reason itself
  return (SCAN_REASON_ENGLISH[reason.code] as (r: ScanReason) => string)(reason);
}

/** What a scan endpoint answers besides its findings: the English reason and its code. */
export function scanAnswer(reason: ScanReason | undefined): { reason: string; why?: ScanReason } {
  return reason ? { reason: scanReasonText(reason), why: reason } : { reason: '' };
}
