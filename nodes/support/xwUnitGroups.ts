/**
 * The XW units a poll or command node drives, grouped by the bus they are on: resolves the
 * xw-inverter config nodes, registers the user with each rs485-bus node, and releases them.
 */
import type { Node, NodeAPI } from 'node-red';
import type { Bus } from '../../lib/bus/bus';
import { ConfigError } from '../../lib/bus/errors';
import type { Rs485BusConfigNode } from '../rs485-bus/busNodeApi';
import type { XwInverterConfigNode } from '../xw-inverter/inverterNodeApi';

export interface XwTarget {
  unit: number;
  name: string;
}

export interface XwBusGroup {
  busNode: Rs485BusConfigNode;
  bus: Bus;
  /** the bus's name for tags: its node name, or what it opened */
  label: string;
  targets: XwTarget[];
}

/** The configured inverters, checked; throws ConfigError naming what is wrong. */
export function resolveInverters(RED: NodeAPI, ids: unknown): { inverter: XwInverterConfigNode; busNode: Rs485BusConfigNode }[] {
  const list = Array.isArray(ids) ? ids : typeof ids === 'string' && ids ? [ids] : [];
  if (list.length === 0) throw new ConfigError('no XW inverter selected');
  const seen = new Set<number | string>();
  return list.map((id) => {
    const inverter = RED.nodes.getNode(String(id)) as XwInverterConfigNode | null;
    if (!inverter) throw new ConfigError(`XW inverter ${String(id)} is not deployed`);
    if (inverter.configError) throw new ConfigError(`${inverter.displayName}: ${inverter.configError}`);
    const busNode = RED.nodes.getNode(inverter.busId) as Rs485BusConfigNode | null;
    if (!busNode || typeof busNode.register !== 'function') throw new ConfigError(`${inverter.displayName}: no bus configured`);
    const key = `${inverter.busId}/${inverter.unit}`;
    if (seen.has(key)) throw new ConfigError(`unit ${inverter.unit} is selected twice on the same bus`);
    seen.add(key);
    return { inverter, busNode };
  });
}

/** Registers `user` with every bus its inverters are on; the groups keep the configured order. */
export function openBusGroups(RED: NodeAPI, user: Node, ids: unknown): XwBusGroup[] {
  const resolved = resolveInverters(RED, ids);
  const groups = new Map<Rs485BusConfigNode, XwBusGroup>();
  try {
    for (const { inverter, busNode } of resolved) {
      let g = groups.get(busNode);
      if (!g) {
        const bus = busNode.register(user, 'xw');
        g = { busNode, bus, label: busNode.name || bus.key, targets: [] };
        groups.set(busNode, g);
      }
      g.targets.push({ unit: inverter.unit, name: inverter.displayName });
    }
  } catch (err) {
    void closeBusGroups([...groups.values()], user);
    throw err;
  }
  return [...groups.values()];
}

/** The user's requests still queued end as cancelled (never sent), then it leaves each bus. */
export async function closeBusGroups(groups: readonly XwBusGroup[], user: Node): Promise<void> {
  for (const g of groups) g.bus.cancelOwner(user.id);
  await Promise.all(groups.map((g) => g.busNode.deregister(user)));
}
