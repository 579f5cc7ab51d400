/**
 * xw-poll's Dashboard 2.0 outputs: the shaping functions on literal polls, then the real node in
 * a real Node-RED runtime against the XW simulator with a unit that stops answering.
 */
import assert from 'node:assert/strict';
import { clockText } from '../../lib/dashboard/clockText';
import { chartMessages, gaugesOf, XwBoard, type TableMessage } from '../../lib/dashboard/xwBoard';
import { summarise } from '../../lib/xw/pollSummary';
import type { UnitPoll } from '../../lib/xw/xwPoller';
import { exchange, startXwFlow, TRANSPORTS, type Msg, type XwFlow } from '../xw/xwFlow';

const at = (h: number, m: number): number => new Date(2026, 11, 2, h, m, 30).getTime();

function poll(name: string, unit: number, timestamp: number, readings: UnitPoll['readings']): UnitPoll {
  return { name, unit, ok: readings !== null, readings, error: readings ? null : `unit ${unit} did not answer`, timestamp, transactions: 1 };
}

const reading = (volts: number, watts: number) => ({
  device_state_text: 'Operating',
  operating_mode_text: 'Operating',
  inverter_status_text: 'Sell-to-Grid',
  charger_status_text: 'Not Charging',
  battery_voltage: volts,
  battery_power: watts,
  ac1_power: -watts,
});

describe('dashboard: xw-poll shapes (lib/dashboard/xwBoard)', function () {
  it('one row per unit with states in words; a unit that stops answering is "offline since" its first miss, numbers empty', function () {
    const board = new XwBoard();
    const first = [poll('XW 1', 10, at(12, 2), reading(52.5, -1000)), poll('XW 2', 11, at(12, 2), reading(52.7, -2000))];
    const t1 = board.table(first, summarise(first.map((p) => p.readings)), 'xw', at(12, 2));
    assert.deepEqual(t1.payload[0], { unit: 'XW 1', state: 'Operating / Operating', inverter: 'Sell-to-Grid', charger: 'Not Charging', 'battery V': 52.5, 'battery W': -1000, 'AC W': 1000 });
    assert.equal(t1.payload.length, 2);
    const second = [poll('XW 1', 10, at(12, 3), reading(52.4, -1100)), poll('XW 2', 11, at(12, 3), null)];
    board.table(second, summarise(second.map((p) => p.readings)), 'xw', at(12, 3));
    const third = [poll('XW 1', 10, at(12, 4), reading(52.3, -1200)), poll('XW 2', 11, at(12, 4), null)];
    const t3 = board.table(third, summarise(third.map((p) => p.readings)), 'xw', at(12, 4));
    // the time it went quiet, not the time of the latest miss
    assert.deepEqual(t3.payload[1], { unit: 'XW 2', state: 'offline since 12:03', inverter: null, charger: null, 'battery V': null, 'battery W': null, 'AC W': null });
    assert.equal(t3.payload[0]['battery W'], -1200);
    assert.equal(t3.units_ok, 1);
    assert.equal(t3.units_total, 2);
    const back = [poll('XW 1', 10, at(12, 5), reading(52.3, -1200)), poll('XW 2', 11, at(12, 5), reading(52.9, -500))];
    const t4 = board.table(back, summarise(back.map((p) => p.readings)), 'xw', at(12, 5));
    assert.equal(t4.payload[1].state, 'Operating / Operating');
    assert.equal(t4.payload[1]['battery W'], -500);
  });

  it('gauges: every summary field present; a sum over a missing unit is empty, an average is not; none answering: all empty', function () {
    const all = summarise([reading(52, -1000), reading(54, -3000)]);
    const g = gaugesOf(all);
    assert.equal(g.battery_voltage, 53);
    assert.equal(g.battery_power, -4000);
    const partial = gaugesOf(summarise([reading(52, -1000), null]));
    assert.equal(partial.battery_voltage, 52);
    assert.equal(partial.battery_power, '', 'a sum without one unit is not the total: empty');
    const none = gaugesOf(summarise([null, null]));
    assert.ok('battery_voltage' in none && 'battery_power' in none, "fields present (''), not absent");
    assert.equal(none.battery_voltage, '');
    assert.equal(none.battery_power, '');
    assert.equal(clockText(at(9, 5)), '09:05');
  });

  it('chart: one point per unit that answered, topic the unit, payload the value field, timestamp the read time', function () {
    const polls = [poll('XW 1', 10, at(12, 2), reading(52.5, -1000)), poll('XW 2', 11, at(12, 2), null)];
    assert.deepEqual(chartMessages(polls, 'battery_power'), [{ topic: 'XW 1', payload: -1000, timestamp: at(12, 2) }]);
    assert.deepEqual(chartMessages(polls, 'energy_load_today'), [], 'a field not read this cycle sends nothing');
  });
});

describe('dashboard: xw-poll outputs 4 and 5 in a real runtime, a unit going dead', function () {
  this.timeout(30000);
  let flow: XwFlow;
  const transport = TRANSPORTS[1].transport;

  before(async function () {
    // outputs 4 (table) and 5 (chart) to the flow's spare recorders: report ← 4, comm ← 5
    flow = await startXwFlow(transport, { poll: { wires: [[], [], [], ['o4'], ['o3']], valueField: 'battery_power' } });
  });

  after(async function () {
    await flow?.close();
  });

  it('rows, gauges and chart points from the simulator; the dead unit becomes "offline since", its numbers and the power sum empty', async function () {
    const [live] = await exchange(flow.poll, { payload: 'go' }, flow.out.report);
    const table = live as unknown as TableMessage;
    assert.deepEqual(
      table.payload.map((r) => r.unit),
      ['XW A', 'XW B', 'XW C'],
    );
    for (const r of table.payload) {
      assert.match(String(r.state), /[A-Za-z]+ \/ (Operating|Standby)/);
      assert.equal(typeof r['battery V'], 'number');
    }
    assert.equal(typeof table.gauges.battery_voltage, 'number');
    assert.equal(typeof table.gauges.battery_power, 'number');
    const points = flow.out.comm.splice(0);
    assert.deepEqual(
      points.map((m) => m.topic),
      ['XW A', 'XW B', 'XW C'],
    );
    for (const p of points) assert.equal(typeof p.payload, 'number');

    flow.device.setDead(12, true);
    const before = Date.now();
    const [dead] = (await exchange(flow.poll, { payload: 'go' }, flow.out.report, 1, 20000)) as unknown as TableMessage[];
    const row = dead.payload.find((r) => r.unit === 'XW C');
    assert.ok(row);
    const since = String(row.state);
    assert.match(since, /^offline since \d\d:\d\d$/);
    assert.ok([clockText(before), clockText(Date.now())].includes(since.slice(-5)), `${since} is the time of the miss`);
    assert.equal(row['battery V'], null);
    assert.equal(row['battery W'], null);
    assert.equal(dead.gauges.battery_power, '', 'power gauge empty, not the sum of two units');
    assert.equal(typeof dead.gauges.battery_voltage, 'number');
    const deadPoints: Msg[] = flow.out.comm.splice(0);
    assert.deepEqual(
      deadPoints.map((m) => m.topic),
      ['XW A', 'XW B'],
      'no chart point for the dead unit',
    );

    flow.device.setDead(12, false);
    const [back] = (await exchange(flow.poll, { payload: 'go' }, flow.out.report, 1, 20000)) as unknown as TableMessage[];
    assert.equal(typeof back.payload.find((r) => r.unit === 'XW C')?.['battery V'], 'number');
  });
});
