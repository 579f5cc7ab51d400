import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Node, NodeAPI, NodeMessage, NodeStatus } from 'node-red';
import { Priority } from '../../lib/bus/priority';
import { modbusClientFor } from '../../lib/modbus/modbusClient';
import { startModbusSlave, type ModbusSlaveSim } from '../../lib/sim/modbusSlave';
import { RegisterBank } from '../../lib/sim/registerBank';
import type { RebootReason } from '../../lib/watchdog/rebootReason';
import type { Rs485BusConfigNode } from '../../nodes/rs485-bus/busNodeApi';
import rs485BusNode from '../../nodes/rs485-bus/rs485-bus';
import { helper } from '../support/nodeRed';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pvWatchdog = require('../../nodes/pv-watchdog/pv-watchdog') as (RED: NodeAPI) => void;

type Msg = NodeMessage & Record<string, unknown>;

const until = async (cond: () => boolean, what: string, ms = 10000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('pv-watchdog node', function () {
  this.timeout(30000);
  let dir: string;
  /** what reached each output and the catch node */
  let out: { reboot: Msg[]; reasons: Msg[]; stats: Msg[]; caught: Msg[] };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-watchdog-node-'));
    helper.settings({ userDir: dir });
    out = { reboot: [], reasons: [], stats: [], caught: [] };
  });
  afterEach(async () => {
    await helper.unload();
    helper.settings({});
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const flowCheck = { name: 'logger', kind: 'flow', failsToAct: 1, staleAfter: 900 };
  type FlowNode = Record<string, unknown> & { id: string; type: string };
  const flow = (watchdog: Record<string, unknown>, extra: FlowNode[] = []): FlowNode[] => [
    { id: 'wd', type: 'pv-watchdog', name: 'site', checks: [flowCheck], minUptime: 0, dryRun: false, statsInterval: 0, wires: [['reboot'], ['reasons'], ['stats']], ...watchdog },
    { id: 'reboot', type: 'helper' },
    { id: 'reasons', type: 'helper' },
    { id: 'stats', type: 'helper' },
    { id: 'catcher', type: 'catch', scope: ['wd'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper' },
    ...extra,
  ];
  const load = async (watchdog: Record<string, unknown>, extra: FlowNode[] = [], nodes: unknown[] = []): Promise<Node & Record<string, unknown>> => {
    await helper.load([pvWatchdog, ...nodes], flow(watchdog, extra));
    for (const key of ['reboot', 'reasons', 'stats', 'caught'] as const) helper.getNode(key)!.on('input', (m: NodeMessage) => out[key].push(m as Msg));
    return helper.getNode('wd')!;
  };
  /** the start-up check's trace lines of this runtime's pv-watchdog (the helper's spy sees every log call, trace level included) */
  const startLogs = (): string[] =>
    helper
      .log()
      .args.map(([m]) => m as { id?: string; level?: number; msg?: unknown })
      .filter((m) => m.id === 'wd' && typeof m.msg === 'string' && m.msg.endsWith('AtStart'))
      .map((m) => m.msg as string);
  const statusesOf = (node: Node): NodeStatus[] => {
    const seen: NodeStatus[] = [];
    const original = node.status.bind(node);
    node.status = (s: string | NodeStatus) => {
      if (typeof s !== 'string') seen.push(s);
      original(s);
    };
    return seen;
  };
  const reasonFile = (): string => path.join(dir, 'pv-watchdog', 'wd.json');

  it('refuses a non-boolean payload and an unknown check with a clear error', async () => {
    const wd = await load({ checks: [{ ...flowCheck, failsToAct: 3 }] });
    const statuses = statusesOf(wd);
    wd.receive({ topic: 'logger', payload: 'false' } as NodeMessage);
    wd.receive({ topic: 'loger', payload: false } as NodeMessage);
    await until(() => out.caught.length === 2, 'two errors');
    const texts = out.caught.map((m) => (m.error as { message: string }).message);
    assert.match(texts[0], /check "logger" needs msg.payload true \(ok\) or false \(failed\), got string "false"/);
    assert.match(texts[1], /unknown check "loger"; checks fed by the flow: "logger"/);
    // the status is the locale's pv-watchdog.status.inputError with the message (the helper gives keys); the message is in the error above
    assert.ok(statuses.some((s) => s.fill === 'red' && s.shape === 'ring' && s.text === 'pv-watchdog.status.inputError'), JSON.stringify(statuses));
    assert.equal(out.reboot.length + out.reasons.length, 0);
  });

  it('shows the failing check, then healthy', async () => {
    const wd = await load({ checks: [{ ...flowCheck, failsToAct: 3 }] });
    const statuses = statusesOf(wd);
    wd.receive({ topic: 'logger', payload: false } as NodeMessage);
    await until(() => statuses.some((s) => s.text === 'pv-watchdog.status.failing'), 'failing status');
    assert.deepEqual(statuses[statuses.length - 1], { fill: 'red', shape: 'ring', text: 'pv-watchdog.status.failing' });
    wd.receive({ topic: 'logger', payload: true } as NodeMessage);
    await until(() => statuses[statuses.length - 1].text === 'pv-watchdog.status.healthy', 'healthy status');
    assert.equal(statuses[statuses.length - 1].fill, 'green');
  });

  it('records the reason, sends the decision, runs the command once per decision, and reports the reason once after a restart', async () => {
    const marker = path.join(dir, 'commands.log');
    const config = { command: `sh -c 'echo decided >> "$0"' '${marker}'` };
    const wd = await load(config);
    wd.receive({ topic: 'logger', payload: false } as NodeMessage);
    await until(() => out.reboot.length === 1 && fs.existsSync(marker), 'decision and command');
    const decision = out.reboot[0].payload as RebootReason;
    assert.equal(out.reboot[0].topic, 'reboot');
    assert.equal(decision.check, 'logger');
    assert.equal(decision.dry_run, false);
    assert.equal(decision.command, `sh -c echo decided >> "$0" ${marker}`);
    assert.deepEqual(JSON.parse(fs.readFileSync(reasonFile(), 'utf8')).reason, decision);
    await until(() => fs.readFileSync(marker, 'utf8') === 'decided\n', 'command output');

    wd.receive({ topic: 'logger', payload: false } as NodeMessage);
    await until(() => out.reboot.length === 2, 'second decision');
    await until(() => fs.readFileSync(marker, 'utf8').split('\n').length === 3, 'second command run');
    assert.equal(fs.readFileSync(marker, 'utf8'), 'decided\ndecided\n', 'exactly once per decision');
    assert.equal(out.reasons.length, 0, 'nothing on output 2 for a real decision');
    const last = out.reboot[1].payload as RebootReason;

    // restart of the runtime with the same user directory
    await helper.unload();
    out = { reboot: [], reasons: [], stats: [], caught: [] };
    await load(config);
    await until(() => out.reasons.length === 1, 'the recorded reason after the restart');
    assert.equal(out.reasons[0].topic, 'reboot-reason');
    assert.equal(out.reasons[0].measurement, 'reboot');
    assert.deepEqual(out.reasons[0].payload, last);
    await until(() => JSON.parse(fs.readFileSync(reasonFile(), 'utf8')).reported === true, 'marked reported');
    await until(() => startLogs().includes('pv-watchdog.log.reportedAtStart'), 'the start-up check done');

    await helper.unload();
    out = { reboot: [], reasons: [], stats: [], caught: [] };
    const again = await load(config);
    const statuses = statusesOf(again);
    again.receive({ topic: 'logger', payload: true } as NodeMessage);
    await until(() => statuses.some((s) => s.text === 'pv-watchdog.status.healthy'), 'running');
    // the start-up check ends with a trace line either way: after it, nothing more can be reported
    await until(() => startLogs().includes('pv-watchdog.log.nothingAtStart'), 'the start-up check done');
    assert.deepEqual(startLogs(), ['pv-watchdog.log.nothingAtStart'], 'this start found nothing to report');
    assert.equal(out.reasons.length, 0, 'reported exactly once');
    assert.equal(fs.readFileSync(marker, 'utf8'), 'decided\ndecided\n', 'no command at start');
  });

  it('dry run reports on output 2 only: no file, no command, nothing on output 1', async () => {
    const marker = path.join(dir, 'ran');
    const wd = await load({ dryRun: true, command: `touch '${marker}'` });
    const statuses = statusesOf(wd);
    wd.receive({ topic: 'logger', payload: false } as NodeMessage);
    await until(() => out.reasons.length === 1, 'dry-run report');
    assert.equal(out.reasons[0].topic, 'reboot-dry-run');
    assert.equal((out.reasons[0].payload as RebootReason).dry_run, true);
    await until(() => statuses.some((s) => s.text === 'pv-watchdog.status.dryRun'), 'dry-run status');
    assert.equal(out.reboot.length, 0);
    assert.equal(fs.existsSync(marker), false);
    assert.equal(fs.existsSync(reasonFile()), false);
  });

  it('does not decide before the minimum uptime', async () => {
    const wd = await load({ minUptime: 10 * 86400 - 1 });
    const statuses = statusesOf(wd);
    wd.receive({ topic: 'logger', payload: false } as NodeMessage);
    await until(() => statuses.some((s) => s.text === 'pv-watchdog.status.waitingUptime'), 'uptime gate status');
    assert.equal(out.reboot.length, 0);
    assert.equal(fs.existsSync(reasonFile()), false);
  });

  it('refuses a bad configuration and every input', async () => {
    const wd = await load({ checks: [{ name: 'x', kind: 'flow', failsToAct: 0 }] });
    wd.receive({ topic: 'x', payload: true } as NodeMessage);
    await until(() => out.caught.length === 1, 'error');
    assert.match((out.caught[0].error as { message: string }).message, /check "x": failsToAct must be an integer >= 1, got 0/);
  });

  it('refuses a mistyped internet host at deploy, so it is never probed as a failing check', async () => {
    const wd = await load({ checks: [{ name: 'net', kind: 'internet', mode: 'tcp', host: '1.1.1.1:53', port: 53, interval: 1, failsToAct: 1 }] });
    wd.receive({ topic: 'net', payload: true } as NodeMessage);
    await until(() => out.caught.length === 1, 'error');
    assert.match((out.caught[0].error as { message: string }).message, /check "net": host "1.1.1.1:53" holds a port/);
    assert.deepEqual([out.reboot.length, out.reasons.length], [0, 0], 'no decision from a typo');
  });

  describe('with an rs485-bus', () => {
    let sim: ModbusSlaveSim;
    before(async () => {
      sim = await startModbusSlave(new RegisterBank({ 10: { 64: 42 } }), { transport: 'pty' }, { baudRate: 19200, turnaroundMs: 1 });
    });
    after(async () => {
      await helper.unload();
      await sim.close();
    });

    const busNode = { id: 'bus1', type: 'rs485-bus', connection: 'serial', baudRate: 19200, timeout: 300 };

    it('sends statistics with one point per bus, and watches the chosen bus for successful transactions', async () => {
      const busCheck = { name: 'inverters', kind: 'bus', within: 2, interval: 1, failsToAct: 1 };
      const wd = await load(
        { checks: [busCheck], bus: 'bus1', dryRun: true, statsInterval: 0.2, tags: '{"pv-location": "pv_strass"}' },
        [{ ...busNode, serialPort: sim.clientPath }, { id: 'poller', type: 'helper' }],
        [rs485BusNode],
      );
      const poller = helper.getNode('poller') as unknown as Node;
      const bus = (helper.getNode('bus1') as unknown as Rs485BusConfigNode).register(poller);
      await until(() => bus.state === 'open', 'bus open');
      const read = (): Promise<number[]> => modbusClientFor(bus).readHoldingRegisters(10, 64, 1, { owner: 'poller', priority: Priority.Poll });
      assert.deepEqual(await read(), [42]);

      await until(() => out.stats.length > 0 && (out.stats[out.stats.length - 1].payload as unknown[]).length === 2, 'statistics with the bus');
      const stats = out.stats[out.stats.length - 1];
      assert.equal(stats.measurement, 'system');
      const [[system, tags], [busFields, busTags]] = stats.payload as [Record<string, number>, Record<string, string>][];
      assert.deepEqual(tags, { 'pv-location': 'pv_strass' });
      assert.ok(system.uptime_node > 0 && system.uptime_app > 0 && system.ram_free_kb > 0, JSON.stringify(system));
      assert.deepEqual(busTags, { 'pv-location': 'pv_strass', bus: bus.key });
      assert.ok(busFields.transactions >= 1, JSON.stringify(busFields));

      // no more polls: within 2 s + a tick the bus check fails and (dry run) the decision is reported
      await until(() => out.reasons.length === 1, 'bus health decision', 15000);
      const reason = out.reasons[0].payload as RebootReason;
      assert.equal(reason.check, 'inverters');
      assert.match(reason.detail, new RegExp(`no successful transaction on ${bus.key.replace(/[/.]/g, '\\$&')}`));
      await (helper.getNode('bus1') as unknown as Rs485BusConfigNode).deregister(poller);
      assert.ok(wd);
    });

    it('refuses a bus check without a bus', async () => {
      const wd = await load({ checks: [{ name: 'inverters', kind: 'bus' }] });
      wd.receive({ topic: 'inverters', payload: true } as NodeMessage);
      await until(() => out.caught.length === 1, 'error');
      assert.match((out.caught[0].error as { message: string }).message, /check "inverters" watches a bus, but no rs485-bus is chosen/);
    });
  });
});
