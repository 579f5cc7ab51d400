/**
 * A flow of rs485-bus + kaco-inverter nodes + kaco-read against the KACO simulator on a pty or
 * on TCP (raw serial server), with helper nodes catching both outputs.
 */
import type { Node } from 'node-red';
import { helper } from '../support/nodeRed';
import { KacoSim, type KacoSimOptions, type SimInverterSpec } from '../../lib/sim/kacoSim';
import type { EndpointSpec } from '../../lib/sim/deviceEndpoint';
import rs485BusNode from '../../nodes/rs485-bus/rs485-bus';
import kacoInverterNode from '../../nodes/kaco-inverter/kaco-inverter';
import kacoReadNode from '../../nodes/kaco-read/kaco-read';

export const KACO_NODES = [rs485BusNode, kacoInverterNode, kacoReadNode];

export type Msg = Record<string, unknown> & { payload: unknown };

export interface KacoFlow {
  sim: KacoSim;
  read: Node;
  readings: Msg[];
  comm: Msg[];
  /** errors the kaco-read node raised (done(err), node.error) */
  errors: string[];
  /** status texts the kaco-read node showed */
  statuses: { fill?: string; shape?: string; text?: string }[];
  close(): Promise<void>;
}

export interface KacoFlowOptions {
  endpoint: EndpointSpec;
  inverters?: SimInverterSpec[];
  sim?: Partial<KacoSimOptions>;
  /** kaco-read properties over the test defaults */
  read?: Record<string, unknown>;
  /** kaco-inverter properties over the test defaults (asleep after 3 misses, probe every 60 s) */
  inverter?: Record<string, unknown>;
  /** rs485-bus properties over the simulator's line */
  bus?: Record<string, unknown>;
  /** more node types, nodes and their credentials (e.g. the real influxdb nodes) */
  extra?: { types: unknown[]; nodes: Record<string, unknown>[]; credentials?: Record<string, unknown>; wires?: string[][] };
}

/** Fast settings for tests: KACO's defaults (2.5 s, 1 s, 60 s) would make every test slow. */
export const FAST_READ = { interval: 0, yieldEvery: 0, timeout: 400, pause: 50, shape: 'fields', measurement: 'kaco', statusMeasurement: 'kaco_communication', pvLoggerNames: false, tags: '{"host":"test-pi"}' };

export function busPropsFor(sim: KacoSim): Record<string, unknown> {
  return sim.clientPath
    ? { connection: 'serial', serialPort: sim.clientPath, baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 }
    : { connection: 'tcp-raw', host: '127.0.0.1', tcpPort: sim.port, lineBaudRate: 9600 };
}

export async function startKacoFlow(opts: KacoFlowOptions): Promise<KacoFlow> {
  const inverters = opts.inverters ?? [{ address: 1 }, { address: 2, protocol: 'generic' }, { address: 3, ratedPowerW: 3000 }];
  const sim = await KacoSim.start({ endpoint: opts.endpoint, inverters, latencyMs: 20, timeOfDay: () => 13, ...opts.sim });
  const flow = [
    { id: 'bus1', type: 'rs485-bus', name: 'kaco line', timeout: 1000, pause: 0, deadline: 30000, trace: false, ...busPropsFor(sim), ...opts.bus },
    ...inverters.map((inv) => ({ id: `inv${inv.address}`, type: 'kaco-inverter', name: `roof ${inv.address}`, bus: 'bus1', address: inv.address, sleepAfter: 3, probeInterval: 60, ...opts.inverter })),
    { id: 'read', type: 'kaco-read', name: 'kaco', inverters: inverters.map((inv) => `inv${inv.address}`), ...FAST_READ, ...opts.read, wires: opts.extra?.wires ?? [['o1'], ['o2']] },
    ...(opts.extra?.nodes ?? []),
    { id: 'o1', type: 'helper' },
    { id: 'o2', type: 'helper' },
  ];
  try {
    await helper.load([...KACO_NODES, ...((opts.extra?.types ?? []) as typeof KACO_NODES)], flow as Parameters<typeof helper.load>[1], opts.extra?.credentials as Parameters<typeof helper.load>[2]);
  } catch (err) {
    await sim.close();
    throw err;
  }
  const readings: Msg[] = [];
  const comm: Msg[] = [];
  const errors: string[] = [];
  const statuses: KacoFlow['statuses'] = [];
  helper.getNode('o1')?.on('input', (msg: unknown) => readings.push(msg as Msg));
  helper.getNode('o2')?.on('input', (msg: unknown) => comm.push(msg as Msg));
  const read = helper.getNode('read') as Node;
  (read as unknown as NodeJS.EventEmitter).on('call:error', (call: { args: unknown[] }) => errors.push(String((call.args[0] as Error)?.message ?? call.args[0])));
  (read as unknown as NodeJS.EventEmitter).on('call:status', (call: { args: unknown[] }) => statuses.push(call.args[0] as KacoFlow['statuses'][number]));
  return {
    sim,
    read,
    readings,
    comm,
    errors,
    statuses,
    async close() {
      await helper.unload();
      await sim.close();
    },
  };
}

import { waitFor } from '../support/waitFor';
export { waitFor };

/** the fields of a message in the `fields` shape (`[fields, tags]`) */
export const payloadOf = (m: Msg): Record<string, unknown> => (m.payload as [Record<string, unknown>, Record<string, string>])[0];
