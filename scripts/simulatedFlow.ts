/**
 * Points a flow's rs485-bus nodes at simulators: each bus used by xw-inverter nodes gets the
 * XW simulator's line, each bus used by kaco-inverter nodes the KACO simulator's, each bus used by
 * SMA Data1 sma-inverter nodes the SMA Data1 simulator's. Used by the demo and by the end-to-end
 * tests, so both run the example flows exactly as shipped otherwise.
 */
import type { LineInfo, SimFleet } from '../lib/sim/simFleet';

export type FlowNode = Record<string, unknown> & { id: string; type: string };

type Family = 'xw' | 'kaco' | 'smaData1';

/** The family of a unit node and the address or serial it names, or undefined for other nodes. */
function unitOf(n: FlowNode): { family: Family; id: number } | undefined {
  if (n.type === 'xw-inverter') return { family: 'xw', id: Number(n.unit) };
  if (n.type === 'kaco-inverter') return { family: 'kaco', id: Number(n.address) };
  if (n.type === 'sma-inverter' && (n.transport ?? 'data1') === 'data1') return { family: 'smaData1', id: Number(n.serial) };
  return undefined;
}

function simulated(fleet: SimFleet, family: Family): { line: LineInfo; known: number[] } | undefined {
  if (family === 'xw') return fleet.xw && { line: fleet.xw, known: fleet.xw.units };
  if (family === 'kaco') return fleet.kaco && { line: fleet.kaco, known: fleet.kaco.addresses };
  return fleet.smaData1 && { line: fleet.smaData1, known: fleet.smaData1.serials };
}

export function pointBusesAtSimulators(flow: readonly FlowNode[], fleet: SimFleet): FlowNode[] {
  const copy = JSON.parse(JSON.stringify(flow)) as FlowNode[];
  const family = new Map<string, Family>();
  for (const n of copy) {
    const unit = unitOf(n);
    if (!unit) continue;
    const bus = String(n.bus);
    if (family.get(bus) && family.get(bus) !== unit.family) throw new Error(`bus ${bus} carries ${family.get(bus)} and ${unit.family} units: the simulators use one line each`);
    family.set(bus, unit.family);
    const sim = simulated(fleet, unit.family);
    if (!sim) throw new Error(`${n.type} ${n.id} needs the ${unit.family} simulator, which is not running`);
    if (!sim.known.includes(unit.id)) throw new Error(`${n.type} ${n.id} has address or serial ${unit.id}, not simulated (${sim.known.join(', ')})`);
  }
  for (const n of copy) {
    if (n.type !== 'rs485-bus') continue;
    const kind = family.get(n.id);
    const sim = kind ? simulated(fleet, kind) : undefined;
    if (!sim) continue;
    // only the connection changes: every other stored property stays, so the editor still finds the node valid
    Object.assign(n, sim.line.bus);
  }
  return copy;
}
