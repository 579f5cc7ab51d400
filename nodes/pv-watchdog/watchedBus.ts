import type { NodeAPI, NodeDef } from 'node-red';
import type { Bus } from '../../lib/bus/bus';
import { allBuses, physicalKey } from '../../lib/bus/busRegistry';
import type { LinkConfig } from '../../lib/bus/link';
import { busSettingsFrom } from '../rs485-bus/busConfig';

/**
 * The Bus behind an rs485-bus config node, looked up without opening it (the watchdog only
 * watches: registering as a user would keep the port open and take over this node's status).
 * Undefined while no flow node uses the bus. The config node's stored properties give the
 * link; the bus opened for it has the same configured link, or (another rs485-bus node named
 * the same port first) the same physical key.
 */
export function watchedBusFinder(RED: NodeAPI, busNodeId: string): () => Bus | undefined {
  return () => {
    let stored: NodeDef | undefined;
    RED.nodes.eachNode((n) => {
      if (n.id === busNodeId) stored = n;
    });
    if (!stored) return undefined;
    let link: LinkConfig;
    let key: string;
    try {
      const settings = busSettingsFrom(stored as Parameters<typeof busSettingsFrom>[0]);
      link = settings.link;
      key = physicalKey(settings);
    } catch {
      return undefined; // the rs485-bus node reports its own config error
    }
    const buses = allBuses();
    return buses.find((b) => sameLink(b.settings.link, link)) ?? buses.find((b) => b.key === key);
  };
}

function sameLink(a: LinkConfig, b: LinkConfig): boolean {
  if (a.kind === 'serial' && b.kind === 'serial') return a.path === b.path;
  if (a.kind === 'tcp' && b.kind === 'tcp') return a.host.toLowerCase() === b.host.toLowerCase() && a.port === b.port;
  return false;
}
