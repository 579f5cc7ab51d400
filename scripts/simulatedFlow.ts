/**
 * Points a flow's rs485-bus nodes at simulators: each bus used by xw-inverter nodes gets the
 * XW simulator's line, each bus used by kaco-inverter nodes the KACO simulator's. Used by the
 * demo and by the end-to-end tests, so both run the example flows exactly as shipped otherwise.
 */
import type { SimFleet } from '../lib/sim/simFleet';

export type FlowNode = Record<string, unknown> & { id: string; type: string };

export function pointBusesAtSimulators(flow: readonly FlowNode[], fleet: SimFleet): FlowNode[] {
  const copy = JSON.parse(JSON.stringify(flow)) as FlowNode[];
  const family = new Map<string, 'xw' | 'kaco'>();
  for (const n of copy) {
    const kind = n.type === 'xw-inverter' ? 'xw' : n.type === 'kaco-inverter' ? 'kaco' : undefined;
    if (!kind) continue;
    const bus = String(n.bus);
    if (family.get(bus) && family.get(bus) !== kind) throw new Error(`bus ${bus} carries both XW and KACO units: the simulators use one line each`);
    family.set(bus, kind);
    const line = fleet[kind];
    if (!line) throw new Error(`${n.type} ${n.id} needs the ${kind.toUpperCase()} simulator, which is not running`);
    const address = Number(kind === 'xw' ? n.unit : n.address);
    const known = kind === 'xw' ? fleet.xw?.units : fleet.kaco?.addresses;
    if (!known?.includes(address)) throw new Error(`${n.type} ${n.id} has address ${address}, not simulated (${known?.join(', ')})`);
  }
  for (const n of copy) {
    if (n.type !== 'rs485-bus') continue;
    const kind = family.get(n.id);
    const line = kind ? fleet[kind] : undefined;
    if (!line) continue;
    // only the connection changes: every other stored property stays, so the editor still finds the node valid
    Object.assign(n, line.bus);
  }
  return copy;
}
