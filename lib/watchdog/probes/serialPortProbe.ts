import { resolveSerialPath } from '../../bus/portPath';
import type { ProbeResult } from './probeResult';

/**
 * Serial port present: the path exists, or for a glob in the file name (/dev/ttyUSB*) some
 * device matches. Resolved the same way the bus resolves it when opening the port.
 */
export function serialPortProbe(configured: string): ProbeResult {
  const found = resolveSerialPath(configured);
  return found === undefined ? { ok: false, detail: `no device at ${configured}` } : { ok: true, detail: `${found} present` };
}
