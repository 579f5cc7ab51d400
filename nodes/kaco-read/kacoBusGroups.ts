/**
 * The KACO inverters a kaco-read node reads: resolves the kaco-inverter config nodes, registers
 * the node with each rs485-bus they are on (refusing a Modbus TCP gateway), and makes one KACO
 * client per bus.
 */
import type { Node, NodeAPI } from 'node-red';
import { ConfigError } from '../../lib/bus/errors';
import { KacoClient, type KacoClientOptions } from '../../lib/kaco/kacoClient';
import type { PollTarget } from '../../lib/kaco/kacoPoller';
import type { Rs485BusConfigNode } from '../rs485-bus/busNodeApi';
import type { KacoInverterConfigNode } from '../kaco-inverter/kacoInverterNodeApi';
import { kacoBusRefusal } from '../kaco-inverter/kacoBusCheck';

export interface KacoBusGroups {
  targets: PollTarget[];
  busNodes: Rs485BusConfigNode[];
}

export function openKacoBusGroups(RED: NodeAPI, user: Node, ids: unknown, options: KacoClientOptions): KacoBusGroups {
  const list = Array.isArray(ids) ? ids : typeof ids === 'string' && ids ? [ids] : [];
  if (list.length === 0) throw new ConfigError('no KACO inverter selected');
  const resolved = list.map((id) => {
    const inverter = RED.nodes.getNode(String(id)) as KacoInverterConfigNode | null;
    if (!inverter) throw new ConfigError(`KACO inverter ${String(id)} is not deployed`);
    if (inverter.configError) throw new ConfigError(`${inverter.displayName}: ${inverter.configError}`);
    const busNode = RED.nodes.getNode(inverter.busId) as Rs485BusConfigNode | null;
    if (!busNode || typeof busNode.register !== 'function') throw new ConfigError(`${inverter.displayName}: no bus configured`);
    return { inverter, busNode };
  });
  const clients = new Map<Rs485BusConfigNode, KacoClient>();
  const targets: PollTarget[] = [];
  try {
    for (const { inverter, busNode } of resolved) {
      let client = clients.get(busNode);
      if (!client) {
        const bus = busNode.register(user, 'kaco');
        clients.set(busNode, undefined as unknown as KacoClient); // registered: released on failure below
        const refusal = kacoBusRefusal(bus);
        if (refusal) throw new ConfigError(refusal);
        client = new KacoClient(bus, options);
        clients.set(busNode, client);
      }
      targets.push({ id: inverter.id, address: inverter.address, name: inverter.displayName, client, sleep: inverter.sleep });
    }
  } catch (err) {
    void closeKacoBusGroups({ targets: [], busNodes: [...clients.keys()] }, user);
    throw err;
  }
  return { targets, busNodes: [...clients.keys()] };
}

export async function closeKacoBusGroups(groups: KacoBusGroups, user: Node): Promise<void> {
  await Promise.all(groups.busNodes.map((b) => b.deregister(user)));
}
