import type { NodeStatus } from 'node-red';
import type { Bus } from '../../lib/bus/bus';
import { linkSettled } from '../../lib/bus/linkCause';
import { busDownOf } from '../../lib/status/busStatus';
import type { ScanReason } from '../../lib/status/scanReason';
import type { Rs485BusConfigNode } from './busNodeApi';

/**
 * The status of the first bus among `busNodes` that is not open, for a node that uses them to
 * show instead of its own "polling…" or "0/3 ok": the cause is what the user needs to act on.
 */
export function downStatusOf(busNodes: readonly Pick<Rs485BusConfigNode, 'downStatus'>[]): NodeStatus | undefined {
  for (const b of busNodes) {
    const s = b.downStatus();
    if (s) return s;
  }
  return undefined;
}

/** How long a scan waits for the bus's first open attempt before probing addresses. */
const SCAN_SETTLE_MS = 2000;

/**
 * Why a scan cannot reach any unit on `bus` ("cannot scan: connection refused 127.0.0.1:502"),
 * found within the first open attempt (at most 2 s), or undefined when the link is open (or
 * still connecting: then the scan runs and its own timeouts tell).
 */
export async function scanRefusal(bus: Bus): Promise<ScanReason | undefined> {
  await linkSettled(bus, SCAN_SETTLE_MS);
  const down = busDownOf(bus);
  return down ? { code: 'busDown', bus: down } : undefined;
}
