/**
 * Flows of rs485-bus + sma-inverter + sma-read (and kaco nodes for the line rule) in the real
 * Node-RED runtime, with helper nodes catching both outputs of sma-read.
 */
import type { Node } from 'node-red';
import { helper } from '../support/nodeRed';
import rs485BusNode from '../../nodes/rs485-bus/rs485-bus';
import smaInverterNode from '../../nodes/sma-inverter/sma-inverter';
import smaReadNode from '../../nodes/sma-read/sma-read';
import kacoInverterNode from '../../nodes/kaco-inverter/kaco-inverter';
import kacoReadNode from '../../nodes/kaco-read/kaco-read';

export const SMA_NODES = [rs485BusNode, smaInverterNode, smaReadNode, kacoInverterNode, kacoReadNode];

export type Msg = Record<string, unknown> & { payload: unknown };
export type Status = { fill?: string; shape?: string; text?: string };

export interface SmaFlow {
  read: Node;
  readings: Msg[];
  comm: Msg[];
  errors: string[];
  warnings: string[];
  statuses: Status[];
}

export const READ_DEFAULTS = { interval: 0, shape: 'influx', measurement: 'sma', statusMeasurement: 'sma_communication', tags: '{"host":"test-pi"}' };

/** Loads `nodes` (with an sma-read node "read" wired to o1, o2) and listens to it. */
export async function loadSmaFlow(nodes: Record<string, unknown>[], credentials: Record<string, unknown> = {}): Promise<SmaFlow> {
  const flow = [...nodes, { id: 'o1', type: 'helper' }, { id: 'o2', type: 'helper' }];
  await helper.load(SMA_NODES as Parameters<typeof helper.load>[0], flow as Parameters<typeof helper.load>[1], credentials as Parameters<typeof helper.load>[2]);
  const readings: Msg[] = [];
  const comm: Msg[] = [];
  const errors: string[] = [];
  const warnings: string[] = [];
  const statuses: Status[] = [];
  helper.getNode('o1')?.on('input', (msg: unknown) => readings.push(msg as Msg));
  helper.getNode('o2')?.on('input', (msg: unknown) => comm.push(msg as Msg));
  const read = helper.getNode('read') as Node;
  const events = read as unknown as NodeJS.EventEmitter;
  events.on('call:error', (call: { args: unknown[] }) => errors.push(String((call.args[0] as Error)?.message ?? call.args[0])));
  events.on('call:warn', (call: { args: unknown[] }) => warnings.push(String(call.args[0])));
  events.on('call:status', (call: { args: unknown[] }) => statuses.push(call.args[0] as Status));
  return { read, readings, comm, errors, warnings, statuses };
}

/** the fields and tags of a message in the `influx` shape (`[fields + time, tags]`) */
export function influxOf(m: Msg): { fields: Record<string, unknown>; time: unknown; tags: Record<string, string> } {
  const [withTime, tags] = m.payload as [Record<string, unknown>, Record<string, string>];
  const { time, ...fields } = withTime;
  return { fields, time, tags };
}
