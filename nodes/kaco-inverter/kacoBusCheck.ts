import type { Bus } from '../../lib/bus/bus';

/**
 * KACO's ASCII protocol needs the raw bytes of the RS485 line: a serial port, or a raw TCP
 * serial server ('rtu' framing), where the shared arbiter interleaves it with Modbus RTU. A
 * Modbus TCP gateway only carries Modbus; say so at deploy instead of mixing silently.
 */
export function kacoBusRefusal(bus: Bus): string | undefined {
  if (bus.settings.framing === 'modbus-tcp') {
    return `bus ${bus.link.description} is a Modbus TCP gateway, which cannot carry KACO's RS485 protocol: use a serial port or a raw TCP serial server (connection "serial" or "tcp-raw")`;
  }
  return undefined;
}
