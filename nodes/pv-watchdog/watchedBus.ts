import type { Bus } from '../../lib/bus/bus';
import { busHeldBy } from '../../lib/bus/busRegistry';

/**
 * The Bus behind an rs485-bus config node, from the registry that owns it, without opening it
 * (the watchdog only watches: registering as a user would keep the port open and take over the
 * node's status). Undefined while no flow node uses that rs485-bus node.
 */
export function watchedBusFinder(busNodeId: string): () => Bus | undefined {
  return () => busHeldBy(busNodeId);
}
