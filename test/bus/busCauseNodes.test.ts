import assert from 'node:assert/strict';
import net from 'node:net';
import type { Node, NodeMessage, NodeStatus } from 'node-red';
import { KACO_NODES, FAST_READ } from '../kaco/kacoFlow';
import { helper } from '../support/nodeRed';
import { waitFor } from '../support/waitFor';
import { XW_NODES } from '../xw/xwFlow';

type Msg = NodeMessage & Record<string, unknown>;

async function refusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Records every status a node sets from now on. */
function statusesOf(node: Node): NodeStatus[] {
  const seen: NodeStatus[] = [];
  const original = node.status.bind(node);
  node.status = (s: string | NodeStatus) => {
    if (typeof s === 'object') seen.push(s);
    original(s);
  };
  return seen;
}

const NOT_SENT_NOPE = /not sent: bus down since \d\d:\d\d:\d\d — port \/dev\/ttyNOPE not found, retrying/;

/** Nodes on a bus whose port is missing or whose server refuses show the bus's cause, and say why nothing was sent. */
describe('nodes on a bus that is down show its cause', function () {
  this.timeout(30000);
  before(() => helper.startServer());
  after(() => helper.stopServer());
  afterEach(() => helper.unload());

  const missingBus = { id: 'bus1', type: 'rs485-bus', name: 'line 1', connection: 'serial', serialPort: '/dev/ttyNOPE', baudRate: 19200, dataBits: 8, parity: 'none', stopBits: 1, timeout: 200, pause: 0, deadline: 800, trace: false };
  const xwFlow = [
    { id: 'f1', type: 'tab', label: 'xw' },
    missingBus,
    { id: 'inv10', type: 'xw-inverter', name: 'XW A', bus: 'bus1', unit: 10 },
    { id: 'inv11', type: 'xw-inverter', name: 'XW B', bus: 'bus1', unit: 11 },
    { z: 'f1', id: 'poll', type: 'xw-poll', inverters: ['inv10', 'inv11'], interval: 0, energyInterval: 0, shape: 'readings', valueField: 'battery_power', measurement: 'xw', wires: [[], [], ['comm']] },
    { z: 'f1', id: 'cmd', type: 'xw-command', inverters: ['inv10', 'inv11'], deadline: 1, wires: [['report']] },
    { z: 'f1', id: 'comm', type: 'helper' },
    { z: 'f1', id: 'report', type: 'helper' },
    { z: 'f1', id: 'catcher', type: 'catch', scope: ['cmd'], uncaught: false, wires: [['caught']] },
    { z: 'f1', id: 'caught', type: 'helper' },
  ];

  it('xw-poll shows the missing port, not "polling…", and its status messages say why nothing was sent', async () => {
    await helper.load(XW_NODES, xwFlow as never);
    const poll = helper.getNode('poll') as Node;
    const seen = statusesOf(poll);
    const comm: Msg[] = [];
    helper.getNode('comm')?.on('input', (m: NodeMessage) => comm.push(m as Msg));
    poll.receive({ payload: 'now' } as NodeMessage);
    await waitFor(() => comm.length === 2, 10000, 'two status messages');
    assert.ok(seen.length > 0);
    assert.ok(!seen.some((s) => s.text === 'xw-poll.status.polling'), `never "polling…" while the port is missing: ${JSON.stringify(seen)}`);
    // the helper loads no locale catalogue: the key is what RED._ returns, the cause is checked in the messages
    assert.deepEqual(seen.at(-1), { fill: 'red', shape: 'ring', text: 'rs485-bus.status.notOpened' });
    for (const m of comm) assert.match(String((m.payload as Record<string, unknown>).error_msg), NOT_SENT_NOPE);
  });

  it('xw-command reports "not sent: bus down since …" per unit, in the error and the status', async () => {
    await helper.load(XW_NODES, xwFlow as never);
    const cmd = helper.getNode('cmd') as Node;
    const seen = statusesOf(cmd);
    const reports: Msg[] = [];
    const caught: Msg[] = [];
    helper.getNode('report')?.on('input', (m: NodeMessage) => reports.push(m as Msg));
    helper.getNode('caught')?.on('input', (m: NodeMessage) => caught.push(m as Msg));
    cmd.receive({ payload: 'standby' } as NodeMessage);
    await waitFor(() => reports.length === 1 && caught.length === 1, 15000, 'report and error');
    const units = (reports[0].payload as { units: { ok: boolean; reason: string }[] }).units;
    assert.equal(units.length, 2);
    for (const u of units) {
      assert.equal(u.ok, false);
      assert.match(u.reason, NOT_SENT_NOPE);
    }
    assert.match((caught[0].error as { message: string }).message, NOT_SENT_NOPE);
    assert.deepEqual(seen.at(-1), { fill: 'red', shape: 'ring', text: 'rs485-bus.status.notOpened' });
  });

  it('an XW scan on a missing port says so, not "no unit answered"', async () => {
    await helper.load(XW_NODES, [missingBus] as never);
    const res = await helper.request().get('/xw-inverter/scan').query({ bus: 'bus1' }).expect(200);
    assert.deepEqual(res.body, {
      units: [],
      reason: 'cannot scan: port /dev/ttyNOPE not found, retrying',
      // the same as a code, for the editor to say in its language
      why: { code: 'busDown', bus: { reason: { code: 'notFound', path: '/dev/ttyNOPE' } } },
    });
  });

  it('a KACO scan and kaco-read on a refused server say "connection refused"', async () => {
    const port = await refusedPort();
    await helper.load(KACO_NODES, [
      { id: 'bus1', type: 'rs485-bus', name: 'kaco line', connection: 'tcp-raw', host: '127.0.0.1', tcpPort: port, lineBaudRate: 9600, timeout: 400, pause: 0, deadline: 800, trace: false },
      { id: 'inv1', type: 'kaco-inverter', name: 'roof 1', bus: 'bus1', address: 1 },
      { id: 'read', type: 'kaco-read', name: 'kaco', inverters: ['inv1'], ...FAST_READ, wires: [[], ['status']] },
      { id: 'status', type: 'helper' },
    ] as never);
    const res = await helper.request().get('/kaco-inverter/scan').query({ bus: 'bus1' }).expect(200);
    assert.equal(res.body.reason, `cannot scan: connection refused 127.0.0.1:${port}`);
    assert.deepEqual(res.body.inverters, []);

    const read = helper.getNode('read') as Node;
    const seen = statusesOf(read);
    const status: Msg[] = [];
    helper.getNode('status')?.on('input', (m: NodeMessage) => status.push(m as Msg));
    read.receive({ payload: 'now' } as NodeMessage);
    await waitFor(() => status.length === 1 && seen.length > 0, 10000, 'a status message');
    assert.match(JSON.stringify(status[0].payload), new RegExp(`not sent: bus down since \\d\\d:\\d\\d:\\d\\d — connection refused 127\\.0\\.0\\.1:${port}`));
    assert.deepEqual(seen.at(-1), { fill: 'red', shape: 'ring', text: 'rs485-bus.status.notOpened' });
  });
});
