/**
 * A flow with every node type this package builds (each dist/nodes/<type>/<type>.js), wired to
 * the XW, KACO and SMA Data1 simulators on socat pty pairs, so a redeploy has real ports to release. A node
 * type without an entry here fails the build of the flow, naming it: a new type must join the
 * redeploy soak.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { SimFleet } from '../../lib/sim/simFleet';

type FlowNode = Record<string, unknown> & { id: string; type: string };

const NODES_DIR = path.resolve(__dirname, '..', '..', 'nodes');

/** Every node type that exists in the build: its runtime module. */
export function builtNodeTypes(): { type: string; module: unknown }[] {
  return fs
    .readdirSync(NODES_DIR)
    .filter((type) => fs.existsSync(path.join(NODES_DIR, type, `${type}.js`)))
    .sort()
    // the set of node types is found at run time, so a static import cannot name them
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    .map((type) => ({ type, module: require(path.join(NODES_DIR, type, `${type}.js`)) as unknown }));
}

const XW_UNITS = [10, 11, 12];
const KACO_ADDRESSES = [1, 2, 3];

/** What each node type contributes to the flow (its config nodes, the node, helpers catching its outputs). */
function entriesFor(type: string, fleet: SimFleet, dir: string, deploy: number): FlowNode[] | undefined {
  const tab = 'soak';
  const catcher = (id: string): FlowNode => ({ id, z: tab, type: 'helper' });
  switch (type) {
    case 'rs485-bus':
      return [
        { id: 'bus-xw', type, name: `xw line ${deploy}`, timeout: 300, pause: 0, deadline: 10000, trace: false, ...fleet.xw?.bus },
        { id: 'bus-kaco', type, name: `kaco line ${deploy}`, timeout: 1000, pause: 0, deadline: 30000, trace: false, ...fleet.kaco?.bus },
        // SMA Data1 needs the line set to 1200 baud; the simulator may model a faster one (the soaks
        // start it at 19200), so a redeploy does not wait seconds for a 1200-baud telegram to end
        { id: 'bus-sma', type, name: `sma line ${deploy}`, timeout: 1000, pause: 0, deadline: 60000, trace: false, ...fleet.smaData1?.bus, baudRate: 1200 },
      ];
    case 'xw-inverter':
      return XW_UNITS.map((unit) => ({ id: `xw${unit}`, type, name: `XW ${unit}`, bus: 'bus-xw', unit }));
    case 'xw-poll':
      return [
        { id: 'n-xw-poll', z: tab, type, name: 'xw poll', inverters: XW_UNITS.map((u) => `xw${u}`), interval: 1, energyInterval: 5, shape: 'readings', valueField: 'battery_power', measurement: 'xw', wires: [['out-xw'], [], ['out-xw-comm']] },
        catcher('out-xw'),
        catcher('out-xw-comm'),
      ];
    case 'xw-peak-shaving':
      return [{ id: 'n-xw-peak-shaving', z: tab, type, name: 'peak shaving', wires: [['out-peak']] }, catcher('out-peak')];
    case 'xw-command':
      return [{ id: 'n-xw-command', z: tab, type, name: 'xw command', inverters: XW_UNITS.map((u) => `xw${u}`), deadline: 5, wires: [['out-cmd']] }, catcher('out-cmd')];
    case 'kaco-inverter':
      return KACO_ADDRESSES.map((address) => ({ id: `kaco${address}`, type, name: `roof ${address}`, bus: 'bus-kaco', address }));
    case 'kaco-read':
      return [
        { id: 'n-kaco-read', z: tab, type, name: 'kaco read', inverters: KACO_ADDRESSES.map((a) => `kaco${a}`), interval: 1, yieldEvery: 3, timeout: 600, pause: 20, sleepAfter: 3, probeInterval: 60, shape: 'fields', measurement: 'kaco', statusMeasurement: 'kaco_communication', pvLoggerNames: false, tags: '{}', wires: [['out-kaco'], []] },
        catcher('out-kaco'),
      ];
    case 'sma-inverter': {
      // SMA Data1 on its own 1200-baud pty: a third real port to release, at a known address (no discovery)
      const serial = fleet.smaData1?.serials[0];
      if (serial === undefined) throw new Error('the flow with every node type needs the SMA Data1 simulator (smaData1 in the fleet)');
      return [{ id: 'sma1', type, name: 'sunny boy', transport: 'data1', bus: 'bus-sma', serial: String(serial), address: String(fleet.smaData1?.addresses[0] || 1), framing: 'smanet', sleepAfter: 3, probeInterval: 60 }];
    }
    case 'sma-read':
      return [
        { id: 'n-sma-read', z: tab, type, name: 'sma read', inverters: ['sma1'], interval: 1, shape: 'fields', measurement: 'sma', statusMeasurement: 'sma_communication', tags: '{}', wires: [['out-sma'], [], []] },
        catcher('out-sma'),
      ];
    case 'pv-watchdog':
      return [
        {
          id: 'n-watchdog', z: tab, type, name: 'watchdog', bus: 'bus-xw', dryRun: true, command: '', historySize: 10, minUptime: 3600, backoffFactor: 2, backoffMax: 86400, statsInterval: 1, tags: '{}',
          checks: [{ kind: 'bus', name: 'xw bus', within: 900, interval: 1, failsToAct: 3 }, { kind: 'serial', name: 'xw port', path: fleet.xw?.path ?? '/dev/null', interval: 1, failsToAct: 3 }],
          wires: [[], [], ['out-stats']],
        },
        catcher('out-stats'),
      ];
    case 'pv-cache':
      return [{ id: 'n-cache', z: tab, type, name: 'cache', path: path.join(dir, 'cache.sqlite'), retentionDays: 30, maxMB: 10, resendRate: 10, retryInterval: 10, ackTimeout: 60, rejectAfter: 5, stampTime: true, statsInterval: 1, wires: [[], [], []] }];
    default:
      return undefined;
  }
}

export function allNodesFlow(types: readonly string[], fleet: SimFleet, dir: string, deploy: number): FlowNode[] {
  const flow: FlowNode[] = [{ id: 'soak', type: 'tab', label: 'every node type' }];
  const missing: string[] = [];
  for (const type of types) {
    const entries = entriesFor(type, fleet, dir, deploy);
    if (entries) flow.push(...entries);
    else missing.push(type);
  }
  if (missing.length) throw new Error(`the redeploy soak has no flow entry for node type(s) ${missing.join(', ')}: add them to test/soak/allNodesFlow.ts`);
  // the readings feed the cache, as on a real site
  const cache = flow.find((n) => n.type === 'pv-cache');
  if (cache) for (const n of flow) if (n.type === 'xw-poll' || n.type === 'kaco-read' || n.type === 'sma-read') (n.wires as string[][])[0].push('n-cache');
  return flow;
}
