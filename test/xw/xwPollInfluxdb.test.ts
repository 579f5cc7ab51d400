import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { NodeAPI, NodeMessage } from 'node-red';
import { helper } from '../support/nodeRed';
import { startInfluxd, type Influxd } from '../support/influxd';
import { startModbusSlave, type ModbusSlaveSim } from '../../lib/sim/modbusSlave';
import { XwDevice } from '../../lib/sim/xwDevice';
import { XW_NODES, waitFor, type Msg } from './xwFlow';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const influxNodes = require('node-red-contrib-influxdb/influxdb.js') as (RED: NodeAPI) => void;

const DB = 'xw_e2e';

/** Output 1 of xw-poll wired straight into influxdb out / influxdb batch and a chart-style consumer, no function node. */
describe('xw-poll output 1 into a real InfluxDB and a chart', function () {
  this.timeout(60000);
  let influx: Influxd;
  let sim: ModbusSlaveSim;
  let device: XwDevice;

  before(async () => {
    influx = await startInfluxd();
    await influx.command(`CREATE DATABASE ${DB}`);
    device = new XwDevice({ 10: {}, 11: { charger: 1 } }, { live: false });
    sim = await startModbusSlave(device, { transport: 'pty' }, { baudRate: 19200, turnaroundMs: 2 });
  });
  after(async () => {
    await helper.unload();
    await sim?.close();
    await influx?.close();
  });

  it('each database shape lands as fields and tags with the simulator values, one point per unit even at the same timestamp', async () => {
    const poll = (id: string, shape: string, measurement: string, wire: string) => ({
      z: 'f1', x: 0, y: 0, id, type: 'xw-poll', name: id, inverters: ['inv10', 'inv11'], interval: 0, energyInterval: 0,
      shape, valueField: 'battery_voltage', measurement, wires: [[wire], [wire === 'chart' ? 'chart' : wire], []],
    });
    await helper.load(
      [...XW_NODES, influxNodes],
      [
        { id: 'f1', type: 'tab', label: 'xw' },
        { id: 'bus1', type: 'rs485-bus', name: 'line 1', connection: 'serial', serialPort: sim.clientPath, baudRate: 19200, dataBits: 8, parity: 'none', stopBits: 1, timeout: 300, pause: 0, deadline: 10000, trace: false },
        { id: 'inv10', type: 'xw-inverter', name: 'XW A', bus: 'bus1', unit: 10 },
        { id: 'inv11', type: 'xw-inverter', name: 'XW B', bus: 'bus1', unit: 11 },
        poll('pReadings', 'readings', 'xw_readings', 'plain'),
        poll('pInflux', 'influxdb', 'xw_tagged', 'out'),
        poll('pBatch', 'influxdb-batch', 'xw_batch', 'batch'),
        poll('pValue', 'value', 'xw_value', 'chart'),
        { id: 'cfg', type: 'influxdb', hostname: '127.0.0.1', port: String(influx.port), database: DB, name: '', usetls: false, influxdbVersion: '1.x' },
        { z: 'f1', x: 0, y: 0, id: 'out', type: 'influxdb out', influxdb: 'cfg', name: '', measurement: '', precision: '', retentionPolicy: '', wires: [] },
        { z: 'f1', x: 0, y: 0, id: 'batch', type: 'influxdb batch', influxdb: 'cfg', name: '', precision: '', retentionPolicy: '', wires: [] },
        { z: 'f1', x: 0, y: 0, id: 'chart', type: 'helper' },
        { z: 'f1', x: 0, y: 0, id: 'plain', type: 'helper' },
      ] as never,
      { cfg: { username: '', password: '' } },
    );
    const chart: Msg[] = [];
    const plain: Msg[] = [];
    helper.getNode('chart')!.on('input', (m: unknown) => chart.push(m as Msg));
    helper.getNode('plain')!.on('input', (m: unknown) => plain.push(m as Msg));
    const want = (u: number) => device.unit(u).values();
    const rows = async (m: string) => (await influx.query(DB, `SELECT battery_voltage, battery_power, charger_status_text FROM "${m}" GROUP BY *`));
    const points = async (m: string): Promise<number> => (await rows(m)).reduce((n, s) => n + s.values.length, 0);
    const until = async (cond: () => Promise<boolean>): Promise<void> => {
      // performance.now: Date.now is frozen below
      const end = performance.now() + 20000;
      while (!(await cond()) && performance.now() < end) await new Promise((r) => setTimeout(r, 100));
    };

    // Every unit's point gets the same timestamp (the worst case, which happens by chance on a
    // fast bus): a shape without the unit's tags overwrites one with the other every time, so this
    // fails on an overwrite deterministically, not sometimes.
    const realNow = Date.now;
    const frozen = realNow();
    Date.now = () => frozen;
    try {
      for (const id of ['pReadings', 'pInflux', 'pBatch', 'pValue']) helper.getNode(id)!.receive({ payload: 1 } as NodeMessage);
      for (const m of ['xw_tagged', 'xw_batch']) await until(async () => (await points(m)) >= 2);
    } finally {
      Date.now = realNow;
    }
    for (const m of ['xw_tagged', 'xw_batch']) {
      const series = await rows(m);
      assert.ok(series.length > 0, `${m} written`);
      const all = series.flatMap((s) => s.values.map((v) => ({ tags: s.tags ?? {}, v })));
      assert.equal(all.length, 2, `${m}: one point per unit`);
      assert.deepEqual(new Set(all.map((a) => Number(a.v[0]))), new Set([frozen]), `${m}: both points at the same timestamp`);
      for (const { v } of all) assert.ok([10, 11].some((u) => v[1] === want(u).battery_voltage && v[2] === want(u).battery_power), `${m} ${JSON.stringify(v)}`);
      assert.deepEqual(all.map((a) => a.tags.inverter).sort(), ['XW A', 'XW B'], `${m} tags`);
      assert.deepEqual(all.map((a) => a.tags.unit).sort(), ['10', '11'], `${m} tags`);
      assert.deepEqual(all.map((a) => a.tags.bus), ['line 1', 'line 1']);
      assert.ok(all.some((a) => a.v[3] === 'Bulk'), `${m} enum text as a string field`);
    }
    // the readings shape carries neither tags nor time in its payload: the editor and README say it is not for a database
    await until(async () => plain.length >= 2);
    assert.ok(plain.slice(0, 2).every((m) => !Array.isArray(m.payload) && !('time' in (m.payload as object))));
    const root = path.resolve(__dirname, '..', '..', '..');
    const locale = fs.readFileSync(path.join(root, 'nodes', 'xw-poll', 'locales', 'en-US', 'xw-poll.json'), 'utf8');
    assert.match(locale, /"readings": "[^"]*not for a database/);
    assert.match(locale, /"value": "[^"]*not for a database/);
    assert.match(fs.readFileSync(path.join(root, 'README.md'), 'utf8'), /`readings` \([^)]*\*\*not for a database\*\*/);
    // the summary went the same way (its own write)
    const summaryQuery = 'SELECT units_ok, battery_power FROM "xw_tagged_summary"';
    const end = Date.now() + 20000;
    while ((await influx.query(DB, summaryQuery)).length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    const [summary] = await influx.query(DB, summaryQuery);
    assert.equal(summary.values[0][1], 2);
    assert.equal(summary.values[0][2], (want(10).battery_power as number) + (want(11).battery_power as number));
    // chart / gauge: one number per unit, series from msg.topic
    await waitFor(() => chart.length >= 3);
    assert.deepEqual(chart.slice(0, 2).map((m) => [m.topic, m.payload]), [['XW A', want(10).battery_voltage], ['XW B', want(11).battery_voltage]]);
  });
});
