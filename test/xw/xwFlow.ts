/**
 * A flow of rs485-bus + three xw-inverter + xw-poll + xw-command against the XW simulator on a
 * pty (RTU) or on TCP (Modbus TCP gateway), with helper nodes catching every output.
 */
import type { Node } from 'node-red';
import { helper } from '../support/nodeRed';
import { startModbusSlave, type ModbusSlaveSim, type SlaveTransport } from '../../lib/sim/modbusSlave';
import { XwDevice, type XwUnitOptions } from '../../lib/sim/xwDevice';
import rs485BusNode from '../../nodes/rs485-bus/rs485-bus';
import xwInverterNode from '../../nodes/xw-inverter/xw-inverter';
import xwPollNode from '../../nodes/xw-poll/xw-poll';
import xwCommandNode from '../../nodes/xw-command/xw-command';

export const XW_NODES = [rs485BusNode, xwInverterNode, xwPollNode, xwCommandNode];

export const TRANSPORTS: { name: string; transport: SlaveTransport }[] = [
  { name: 'pty (RTU)', transport: { transport: 'pty' } },
  { name: 'TCP (Modbus TCP gateway)', transport: { transport: 'tcp', framing: 'modbus-tcp' } },
];

/** RTU framing: a serial port, or a serial device server passing RTU bytes over TCP. */
export const RTU_TRANSPORTS: { name: string; transport: SlaveTransport }[] = [
  { name: 'pty (RTU)', transport: { transport: 'pty' } },
  { name: 'TCP serial server (RTU over TCP)', transport: { transport: 'tcp', framing: 'rtu' } },
];

export type Msg = Record<string, unknown> & { payload: unknown };

export interface XwFlow {
  sim: ModbusSlaveSim;
  device: XwDevice;
  poll: Node;
  command: Node;
  /** messages received per output: readings, summary, comm status, command report */
  out: { readings: Msg[]; summary: Msg[]; comm: Msg[]; report: Msg[] };
  /** errors raised by the command node (done(err)) */
  commandErrors: string[];
  close(): Promise<void>;
}

export interface FlowOptions {
  units?: Record<number, XwUnitOptions>;
  baudRate?: number;
  turnaroundMs?: number;
  poll?: Record<string, unknown>;
  command?: Record<string, unknown>;
  busTimeout?: number;
  /** units configured as inverters (before the others) that the simulator does not have */
  absent?: number[];
}

export async function startXwFlow(transport: SlaveTransport, opts: FlowOptions = {}): Promise<XwFlow> {
  const device = new XwDevice(opts.units ?? { 10: {}, 11: {}, 12: {} }, { switchDelayMs: 100, live: false });
  const baudRate = opts.baudRate ?? 19200;
  const sim = await startModbusSlave(device, transport, { baudRate, turnaroundMs: opts.turnaroundMs ?? 3 });
  const bus =
    transport.transport === 'pty'
      ? { connection: 'serial', serialPort: sim.clientPath, baudRate, dataBits: 8, parity: 'none', stopBits: 1 }
      : { connection: transport.framing === 'rtu' ? 'tcp-raw' : 'modbus-tcp', host: '127.0.0.1', tcpPort: sim.port, lineBaudRate: baudRate };
  const unitIds = [...(opts.absent ?? []), ...Object.keys(opts.units ?? { 10: {}, 11: {}, 12: {} }).map(Number)];
  const names = ['XW A', 'XW B', 'XW C', 'XW D', 'XW E'];
  const flow = [
    { id: 'f1', type: 'tab', label: 'xw' },
    { id: 'bus1', type: 'rs485-bus', name: 'line 1', timeout: opts.busTimeout ?? 300, pause: 0, deadline: 10000, trace: false, ...bus },
    ...unitIds.map((u, i) => ({ id: `inv${u}`, type: 'xw-inverter', name: names[i], bus: 'bus1', unit: u })),
    { z: 'f1', x: 0, y: 0, id: 'poll', type: 'xw-poll', name: 'xw poll', inverters: unitIds.map((u) => `inv${u}`), interval: 0, energyInterval: 0, shape: 'readings', valueField: 'battery_power', measurement: 'xw', wires: [['o1'], ['o2'], ['o3']], ...opts.poll },
    { z: 'f1', x: 0, y: 0, id: 'cmd', type: 'xw-command', name: 'xw command', inverters: unitIds.map((u) => `inv${u}`), deadline: 5, wires: [['o4']], ...opts.command },
    { z: 'f1', x: 0, y: 0, id: 'o1', type: 'helper' },
    { z: 'f1', x: 0, y: 0, id: 'o2', type: 'helper' },
    { z: 'f1', x: 0, y: 0, id: 'o3', type: 'helper' },
    { z: 'f1', x: 0, y: 0, id: 'o4', type: 'helper' },
  ];
  await helper.load(XW_NODES, flow as Parameters<typeof helper.load>[1]);
  const out = { readings: [] as Msg[], summary: [] as Msg[], comm: [] as Msg[], report: [] as Msg[] };
  const keys = ['readings', 'summary', 'comm', 'report'] as const;
  keys.forEach((k, i) => helper.getNode(`o${i + 1}`)?.on('input', (msg: unknown) => out[k].push(msg as Msg)));
  const command = helper.getNode('cmd') as Node;
  const commandErrors: string[] = [];
  (command as unknown as NodeJS.EventEmitter).on('call:error', (call: { args: unknown[] }) => commandErrors.push(String((call.args[0] as Error)?.message ?? call.args[0])));
  return {
    sim,
    device,
    poll: helper.getNode('poll') as Node,
    command,
    out,
    commandErrors,
    async close() {
      await helper.unload();
      await sim.close();
    },
  };
}

import { waitFor } from '../support/waitFor';
export { waitFor };

/** Sends a message to a node and waits for `count` more messages in `list`. */
export async function exchange(node: Node, msg: Record<string, unknown>, list: Msg[], count = 1, ms = 10000): Promise<Msg[]> {
  const before = list.length;
  node.receive(msg as never);
  await waitFor(() => list.length >= before + count, ms, `${count} message(s)`);
  return list.slice(before, before + count);
}
