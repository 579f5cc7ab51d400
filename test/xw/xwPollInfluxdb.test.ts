import assert from 'node:assert/strict';
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

  it('each shape lands as fields and tags with the simulator values', async () => {
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
        poll('pReadings', 'readings', 'xw_readings', 'out'),
        poll('pInflux', 'influxdb', 'xw_tagged', 'out'),
        poll('pBatch', 'influxdb-batch', 'xw_batch', 'batch'),
        poll('pValue', 'value', 'xw_value', 'chart'),
        { id: 'cfg', type: 'influxdb', hostname: '127.0.0.1', port: String(influx.port), database: DB, name: '', usetls: false, influxdbVersion: '1.x' },
        { z: 'f1', x: 0, y: 0, id: 'out', type: 'influxdb out', influxdb: 'cfg', name: '', measurement: '', precision: '', retentionPolicy: '', wires: [] },
        { z: 'f1', x: 0, y: 0, id: 'batch', type: 'influxdb batch', influxdb: 'cfg', name: '', precision: '', retentionPolicy: '', wires: [] },
        { z: 'f1', x: 0, y: 0, id: 'chart', type: 'helper' },
      ] as never,
      { cfg: { username: '', password: '' } },
    );
    const chart: Msg[] = [];
    helper.getNode('chart')!.on('input', (m: unknown) => chart.push(m as Msg));
    for (const id of ['pReadings', 'pInflux', 'pBatch', 'pValue']) helper.getNode(id)!.receive({ payload: 1 } as NodeMessage);

    const want = (u: number) => device.unit(u).values();
    const rows = async (m: string) => (await influx.query(DB, `SELECT battery_voltage, battery_power, charger_status_text FROM "${m}" GROUP BY *`));
    const points = async (m: string): Promise<number> => (await rows(m)).reduce((n, s) => n + s.values.length, 0);
    for (const m of ['xw_readings', 'xw_tagged', 'xw_batch']) {
      // one write per unit (but for the batch): wait for both, not for the first
      const end = Date.now() + 20000;
      while ((await points(m)) < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
      const series = await rows(m);
      assert.ok(series.length > 0, `${m} written`);
      const all = series.flatMap((s) => s.values.map((v) => ({ tags: s.tags ?? {}, v })));
      assert.equal(all.length, 2, `${m}: one point per unit`);
      for (const { v } of all) assert.ok([10, 11].some((u) => v[1] === want(u).battery_voltage && v[2] === want(u).battery_power), `${m} ${JSON.stringify(v)}`);
      if (m !== 'xw_readings') {
        assert.deepEqual(all.map((a) => a.tags.inverter).sort(), ['XW A', 'XW B'], `${m} tags`);
        assert.deepEqual(all.map((a) => a.tags.bus), ['line 1', 'line 1']);
      }
      assert.ok(all.some((a) => a.v[3] === 'Bulk'), `${m} enum text as a string field`);
    }
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
