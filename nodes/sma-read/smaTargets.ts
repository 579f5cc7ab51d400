/** The SMA devices an sma-read node reads: resolves the sma-inverter config nodes and connects to each. */
import type { Node, NodeAPI } from 'node-red';
import { ConfigError } from '../../lib/bus/errors';
import type { SmaTarget } from '../../lib/sma/smaPoller';
import type { SmaInverterConfigNode } from '../sma-inverter/smaInverterNodeApi';

export interface SmaTargets {
  targets: SmaTarget[];
  devices: SmaInverterConfigNode[];
}

export function connectSmaTargets(RED: NodeAPI, user: Node, ids: unknown): SmaTargets {
  const list = Array.isArray(ids) ? ids : typeof ids === 'string' && ids ? [ids] : [];
  if (list.length === 0) throw new ConfigError('no SMA inverter selected');
  const devices = list.map((id) => {
    const device = RED.nodes.getNode(String(id)) as SmaInverterConfigNode | null;
    if (!device || typeof device.connect !== 'function') throw new ConfigError(`SMA inverter ${String(id)} is not deployed`);
    if (device.configError) throw new ConfigError(`${device.displayName}: ${device.configError}`);
    return device;
  });
  if (new Set(devices).size !== devices.length) throw new ConfigError('an SMA inverter is selected twice');
  const connected: SmaInverterConfigNode[] = [];
  try {
    const targets = devices.map((d) => {
      const target = d.connect(user);
      connected.push(d);
      return target;
    });
    return { targets, devices: connected };
  } catch (err) {
    void disconnectSmaTargets({ targets: [], devices: connected }, user);
    throw err;
  }
}

export async function disconnectSmaTargets(t: SmaTargets, user: Node): Promise<void> {
  await Promise.all(t.devices.map((d) => d.disconnect(user)));
}
