/**
 * A database the old Python pv_logger fed goes on: a real influxd seeded the way pv_logger wrote
 * (measurements inverter<n>, communication, system; tags host and region; every field with its
 * old type: status integer, values float, texts string), then kaco-read with pv_logger names
 * into the real node-red-contrib-influxdb nodes, in each shape that reaches InfluxDB.
 */
import * as assert from 'node:assert/strict';
import http from 'node:http';
import type { NodeAPI } from 'node-red';
import { startInfluxd, type Influxd, type InfluxSeries } from '../support/influxd';
import { helper } from '../support/nodeRed';
import { startKacoFlow, waitFor, type KacoFlow } from './kacoFlow';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const influxNodes = require('node-red-contrib-influxdb/influxdb.js') as (RED: NodeAPI) => void;

const TAGS = { host: 'pv-strass', region: 'europe' };
const ADDRESSES = [1, 2, 3];
const CYCLES = 3;

/** Line protocol as pv_logger (influxdb-python) wrote it a day ago: its types are the shard's now. */
function pvLoggerLines(at: number): string {
  const tags = `host=${TAGS.host},region=${TAGS.region}`;
  const ns = `${at}000000`;
  const lines = ADDRESSES.map(
    (a) =>
      `inverter${a},${tags} status=5i,u_dc=355.9,i_dc=2.92,p_dc=1039.0,u_ac=239.5,i_ac=4.12,p_ac=974.0,temp=40.0,e_day=3229.0,type="5000xi",last_command_sent="*0${a}0",checksum="x",` +
      `p_top=4520.0,e_all=25012.0,run_today="03:54",run_all="61003:54",run_all_again="61003:54",no_idea="25012" ${ns}`,
  );
  lines.push(`communication,${tags} last_request_status="ok",error_msg="" ${ns}`);
  lines.push(`system,${tags} uptime_node=70779.57,uptime_app=2017303.5,ram_free_kb=725032.0 ${ns}`);
  return lines.join('\n');
}

function write(influx: Influxd, db: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${influx.url}/write?db=${db}&precision=ns`, { method: 'POST' }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const OLD_TYPES: Record<string, string> = {
  status: 'integer',
  u_dc: 'float',
  i_dc: 'float',
  p_dc: 'float',
  u_ac: 'float',
  i_ac: 'float',
  p_ac: 'float',
  temp: 'float',
  e_day: 'float',
  p_top: 'float',
  e_all: 'float',
  type: 'string',
  last_command_sent: 'string',
  checksum: 'string',
  run_today: 'string',
  run_all: 'string',
  run_all_again: 'string',
  no_idea: 'string',
};

async function until(cond: () => Promise<boolean>, what: string, ms = 15000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const count = (s: InfluxSeries[] | undefined, column = 1): number => Number(s?.[0]?.values[0]?.[column] ?? 0);

describe('kaco-read continues a pv_logger database in a real InfluxDB', function () {
  this.timeout(90000);
  let influx: Influxd;
  let f: KacoFlow | undefined;

  before(async () => {
    influx = await startInfluxd();
  });
  afterEach(async () => {
    await f?.close();
    f = undefined;
  });
  after(async () => {
    await influx?.close();
  });

  for (const shape of ['fields', 'influx', 'batch'] as const) {
    it(`${shape} shape into ${shape === 'batch' ? 'influxdb batch' : 'influxdb out'}: no write error, no type conflict, every reading stored, found by the old tags`, async () => {
      const db = `pv_nodes_${shape}`;
      await influx.command(`CREATE DATABASE ${db}`);
      const seeded = await write(influx, db, pvLoggerLines(Date.now() - 86_400_000));
      assert.equal(seeded.status, 204, seeded.text);
      const since = Date.now();
      const outNode = shape === 'batch' ? { id: 'influx', type: 'influxdb batch', influxdb: 'cfg', name: '', precision: '', retentionPolicy: '', wires: [] } : { id: 'influx', type: 'influxdb out', influxdb: 'cfg', name: '', measurement: '', precision: '', retentionPolicy: '', wires: [] };
      f = await startKacoFlow({
        endpoint: { transport: 'tcp' },
        // 2 is a TL3 (generic protocol): new field names beside the old ones, the old ones' types kept
        inverters: [{ address: 1 }, { address: 2, protocol: 'generic' }, { address: 3, ratedPowerW: 3000 }],
        read: { pvLoggerNames: true, yieldEvery: 1, shape, tags: JSON.stringify(TAGS) },
        extra: {
          types: [influxNodes],
          nodes: [{ id: 'cfg', type: 'influxdb', hostname: '127.0.0.1', port: String(influx.port), database: db, name: '', usetls: false, influxdbVersion: '1.x' }, outNode],
          credentials: { cfg: { username: '', password: '' } },
          wires: [['o1', 'influx'], ['o2', 'influx']],
        },
      });
      const flow = f;
      const influxErrors: string[] = [];
      const out = helper.getNode('influx') as unknown as NodeJS.EventEmitter;
      out.on('call:error', (call: { args: unknown[] }) => influxErrors.push(String((call.args[0] as Error)?.message ?? call.args[0])));
      for (let k = 1; k <= CYCLES; k++) {
        flow.read.receive({} as never);
        await waitFor(() => flow.comm.length >= k * ADDRESSES.length, 15000, `cycle ${k}`);
      }
      assert.deepEqual(flow.errors, []);
      for (const a of ADDRESSES) {
        const sent = flow.readings.filter((m) => m.address === a);
        assert.equal(sent.length, 2 * CYCLES, `inverter ${a}: command 0 and command 3 every cycle`);
        await until(async () => count(await influx.query(db, `SELECT count(last_command_sent) FROM inverter${a} WHERE time >= ${since}ms`)) >= CYCLES && count(await influx.query(db, `SELECT count(run_today) FROM inverter${a} WHERE time >= ${since}ms`)) >= CYCLES, `inverter${a} points`);
        // filtered by the old tags, as a Grafana panel of the old logger does
        const byTags = `WHERE host='${TAGS.host}' AND region='${TAGS.region}' AND time >= ${since}ms`;
        assert.equal(count(await influx.query(db, `SELECT count(p_ac) FROM inverter${a} ${byTags}`)), CYCLES, `inverter${a}: every command 0 reading stored and found by host/region`);
        assert.equal(count(await influx.query(db, `SELECT count(no_idea) FROM inverter${a} ${byTags}`)), CYCLES, `inverter${a}: every command 3 reading stored and found by host/region`);
        const [last] = await influx.query(db, `SELECT last(status_code), last(type), last(checksum), last(e_all) FROM inverter${a} ${byTags}`);
        const [, statusCode, type, checksum, eAll] = last.values[0] as [number, number, string, string, number];
        assert.equal(statusCode, flow.sim.snapshot(a).measurements.status);
        assert.equal(type, flow.sim.inverter(a).type);
        assert.equal(typeof checksum, 'string');
        assert.equal(typeof eAll, 'number');
        // one type per field: what pv_logger wrote stays, what is new comes once
        const keys = await influx.query(db, `SHOW FIELD KEYS FROM inverter${a}`);
        const types = new Map<string, string[]>();
        for (const [name, t] of keys[0].values as [string, string][]) types.set(name, [...(types.get(name) ?? []), t]);
        for (const [name, t] of Object.entries(OLD_TYPES)) assert.deepEqual(types.get(name), [t], `inverter${a}.${name}`);
        assert.deepEqual(types.get('status_code'), ['float']);
      }
      const byTags = `WHERE host='${TAGS.host}' AND region='${TAGS.region}' AND time >= ${since}ms`;
      assert.equal(count(await influx.query(db, `SELECT count(last_request_status) FROM communication ${byTags}`)), CYCLES * ADDRESSES.length, 'every status stored, found by the old tags');
      assert.equal(count(await influx.query(db, 'SELECT count(uptime_node) FROM system')), 1, 'the old system series untouched');
      // the old logger could write again into the same series: its types still hold
      const again = await write(influx, db, pvLoggerLines(Date.now()));
      assert.equal(again.status, 204, again.text);
      assert.deepEqual(influxErrors, [], 'no write refused');
    });
  }
});
