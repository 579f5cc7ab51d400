/**
 * Example 5 (peak shaving) as shipped, against the XW simulator, with its thresholds (the tab's
 * environment variables) set so the simulated site crosses them: grid power above the upper one
 * starts selling; selling drives the units' AC power below the lower one, which stops selling,
 * but never sooner than the minimum time after the previous command. Every command is verified.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { DEFAULT_XW, startSimFleet, type SimFleet } from '../../lib/sim/simFleet';
import rs485BusNode from '../../nodes/rs485-bus/rs485-bus';
import xwCommandNode from '../../nodes/xw-command/xw-command';
import xwInverterNode from '../../nodes/xw-inverter/xw-inverter';
import xwPollNode from '../../nodes/xw-poll/xw-poll';
import { helper } from '../support/nodeRed';
import { prepareExample, readExample, type TestServers } from './support/exampleFlows';
import type { FlowNode } from './support/runtimeAdmin';
import { coreNodesDir } from './support/runtimePath';

type Report = { command: string; ok: boolean; units: { ok: boolean }[] };

describe('example 5, peak shaving, against the XW simulator (e2e)', function () {
  this.timeout(60000);
  let fleet: SimFleet;
  const reports: { at: number; report: Report }[] = [];
  const failures: unknown[] = [];
  const MIN_GAP_S = 3;

  before(async function () {
    fleet = await startSimFleet({ host: '127.0.0.1', xw: { ...DEFAULT_XW, switchDelayMs: 100 } });
    const servers = { fleet } as TestServers;
    // the simulated site draws about 1.9 kW from the grid (one unit charging, one selling, one
    // passing its load through) and about 0.5 kW once all three sell: thresholds well between
    const env = { SELL_ABOVE_W: 1200, STOP_BELOW_W: 1000, SELL_MIN_BATTERY_V: 50, CHARGE_BELOW_V: 40, MIN_GAP_S };
    const flow = prepareExample(readExample('5 Peak shaving.json'), servers).map((n): FlowNode => {
      if (n.type === 'tab') return { ...n, env: Object.entries(env).map(([name, value]) => ({ name, value: String(value), type: 'num' })) };
      if (n.type === 'xw-poll') return { ...n, interval: 1 };
      if (n.type === 'debug') return { id: n.id, type: 'helper', z: n.z, wires: [] };
      return n;
    });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const core = (p: string): unknown => require(path.join(coreNodesDir(), 'core', p)) as unknown;
    await helper.load([rs485BusNode, xwInverterNode, xwPollNode, xwCommandNode, core('common/25-catch.js'), core('common/90-comment.js'), core('function/10-function.js')] as Parameters<typeof helper.load>[0], flow as Parameters<typeof helper.load>[1]);
    const on = (id: string, f: (msg: { payload: unknown; error?: unknown }) => void): void => {
      const node = helper.getNode(id) as unknown as { on(e: 'input', f: (msg: { payload: unknown }) => void): void } | undefined;
      assert.ok(node, `${id} not loaded`);
      node.on('input', f);
    };
    on('peak.debug', (msg) => reports.push({ at: Date.now(), report: msg.payload as Report }));
    on('peak.debug.err', (msg) => failures.push(msg.error));
  });

  after(async function () {
    await helper.unload();
    await fleet?.close();
  });

  it('starts selling above the upper threshold, stops below the lower one, no sooner than the minimum gap, each verified', async function () {
    const end = Date.now() + 30000;
    while (reports.length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    assert.ok(reports.length >= 2, `commands seen: ${JSON.stringify(reports)}`);
    assert.deepEqual(failures, []);
    const [first, second] = reports;
    assert.equal(first.report.command, 'start-sell');
    assert.equal(second.report.command, 'stop-sell');
    for (const { report } of [first, second]) {
      assert.equal(report.ok, true);
      assert.deepEqual(
        report.units.map((u) => u.ok),
        [true, true, true],
      );
    }
    // the gap is measured between the decisions; each report follows its decision by one verification
    assert.ok(second.at - first.at >= MIN_GAP_S * 1000 - 1000, `commands ${second.at - first.at} ms apart`);
    const xw = fleet.xw;
    assert.ok(xw);
    if (reports.length === 2) for (const unit of xw.units) assert.deepEqual(xw.device.readHolding(unit, 73, 1), [0], `unit ${unit} not selling after stop-sell`);
  });
});
