import type { Bus } from '../../lib/bus/bus';
import { scanReasonText, type ScanReason } from '../../lib/status/scanReason';

/**
 * KACO's ASCII protocol needs the raw bytes of the RS485 line: a serial port, or a raw TCP
 * serial server ('rtu' framing), where the shared arbiter interleaves it with Modbus RTU. A
 * Modbus TCP gateway only carries Modbus; say so at deploy instead of mixing silently.
 */
export function kacoBusReason(bus: Bus): ScanReason | undefined {
  return bus.settings.framing === 'modbus-tcp' ? { code: 'modbusTcpBus', link: bus.link.description } : undefined;
}

/** The same, in English, for a deploy error. */
export function kacoBusRefusal(bus: Bus): string | undefined {
  const reason = kacoBusReason(bus);
  return reason && scanReasonText(reason);
}
