/**
 * Example 5 (peak shaving) as shipped, no function node, against the XW simulator through the real
 * nodes (xw-poll → xw-peak-shaving → xw-command), with its thresholds set so the simulated site
 * crosses them: grid power above the upper one
 * starts selling; selling drives the units' AC power below the lower one, which stops selling,
 * but never sooner than the minimum time after the previous command. Every command is verified.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { DEFAULT_XW, startSimFleet, type SimFleet } from '../../lib/sim/simFleet';
import rs485BusNode from '../../nodes/rs485-bus/rs485-bus';
import xwCommandNode from '../../nodes/xw-command/xw-command';
import xwInverterNode from '../../nodes/xw-inverter/xw-inverter';
import xwPeakShavingNode from '../../nodes/xw-peak-shaving/xw-peak-shaving';
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
  /** when each poll message reached the peak-shaving node: each is a chance to command */
  const readings: number[] = [];
  /** when each command reached xw-command */
  const commandsSent: number[] = [];
  const MIN_GAP_S = 3;

  before(async function () {
    fleet = await startSimFleet({ host: '127.0.0.1', xw: { ...DEFAULT_XW, switchDelayMs: 100 } });
    const servers = { fleet } as TestServers;
    // each simulated unit passes about 850 W of load through; the node takes the battery's power
    // out of the grid reading, so its "load" is about 2.6 kW whatever the units do. Above the sell
    // threshold (2 kW) it sells; raising the threshold (a new deploy would do the same) is not
    // needed: the second command comes from the battery limit, which selling's voltage drop crosses.
    const flow = prepareExample(readExample('5 Peak shaving.json'), servers).map((n): FlowNode => {
      if (n.type === 'xw-peak-shaving') return { ...n, sellAbove: 2000, stopBelow: 1500, chargeBelow: '', sellMinBattery: 51.9, batteryHysteresis: 0.1, minGap: MIN_GAP_S };
      if (n.type === 'xw-poll') return { ...n, interval: 1 };
      if (n.type === 'debug') return { id: n.id, type: 'helper', z: n.z, wires: [] };
      return n;
    });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const core = (p: string): unknown => require(path.join(coreNodesDir(), 'core', p)) as unknown;
    assert.equal(flow.filter((n) => n.type === 'function').length, 0, 'example 5 has no function node');
    await helper.load([rs485BusNode, xwInverterNode, xwPollNode, xwCommandNode, xwPeakShavingNode, core('common/25-catch.js'), core('common/90-comment.js')] as Parameters<typeof helper.load>[0], flow as Parameters<typeof helper.load>[1]);
    const on = (id: string, f: (msg: { payload: unknown; error?: unknown }) => void): void => {
      const node = helper.getNode(id) as unknown as { on(e: 'input', f: (msg: { payload: unknown }) => void): void } | undefined;
      assert.ok(node, `${id} not loaded`);
      node.on('input', f);
    };
    on('peak.debug', (msg) => reports.push({ at: Date.now(), report: msg.payload as Report }));
    on('peak.debug.err', (msg) => failures.push(msg.error));
    on('peak.decide', () => readings.push(Date.now()));
    on('peak.cmd', () => commandsSent.push(Date.now()));
  });

  after(async function () {
    await helper.unload();
    await fleet?.close();
  });

  it('sells above the threshold (stopping the charging unit first), stops when selling takes the battery to its minimum, each verified', async function () {
    const end = Date.now() + 30000;
    const commands = (): string[] => reports.map((r) => r.report.command);
    while (!commands().includes('stop-sell') && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(failures, []);
    // the simulator starts one unit charging: the node learns that from the units' readings
    assert.deepEqual(commands().slice(0, 3), ['stop-charge', 'start-sell', 'stop-sell'], `commands seen: ${JSON.stringify(reports)}`);
    for (const { report } of reports.slice(0, 3)) {
      assert.equal(report.ok, true);
      assert.deepEqual(
        report.units.map((u) => u.ok),
        [true, true, true],
      );
    }
    const stopAt = reports[2].at;
    const xw = fleet.xw;
    assert.ok(xw);
    if (reports.length === 3) for (const unit of xw.units) assert.deepEqual(xw.device.readHolding(unit, 73, 1), [0], `unit ${unit} not selling after stop-sell`);
    // the battery recovers above its minimum + hysteresis; no new command within the gap after the
    // stop: the node decides on every poll message, and the poll messages after the stop (inside
    // the 3 s gap at one poll a second) are the chances it had to send one too soon
    const stopSentAt = commandsSent[2];
    assert.ok(stopSentAt !== undefined && stopSentAt <= stopAt, 'the stop went to xw-command before its report came');
    const seenAtStop = readings.filter((at) => at <= stopSentAt).length;
    // the third poll message after the stop: the node has decided on the two before it (its sends are queued in order)
    while (readings.length < seenAtStop + 3 && Date.now() < end + 10000) await new Promise((r) => setTimeout(r, 100));
    assert.ok(readings.length >= seenAtStop + 3, `poll messages after the stop: ${readings.length - seenAtStop}`);
    const soon = commandsSent.slice(3).filter((at) => at - stopSentAt < MIN_GAP_S * 1000);
    assert.deepEqual(soon.map((at) => `${at - stopSentAt} ms after the stop`), [], 'a command inside the minimum gap');
  });
});
