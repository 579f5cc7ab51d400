/**
 * End to end, in one real Node-RED process with the companion packages: every example loads
 * (no unknown type, no node in error at deploy) against the simulators, then the KACO example
 * and an XW poll write to a real InfluxDB 1.x and the points are read back from it.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import { DEFAULT_KACO, DEFAULT_SMA_DATA1, DEFAULT_XW, startSimFleet, type SimFleet } from '../../lib/sim/simFleet';
import { startInfluxd, type Influxd, type InfluxSeries } from '../support/influxd';
import { freePort, startNodeRed, type NodeRedProcess } from '../support/nodeRedProcess';
import { exampleFiles, mongoFromUrl, prepareExample, readExample, typesIn, type TestServers } from './support/exampleFlows';
import { deployFlows, registeredTypes, StatusWatch, type FlowNode } from './support/runtimeAdmin';

const COMPANIONS = ['node-red-contrib-influxdb', 'node-red-node-mongodb', '@flowfuse/node-red-dashboard'];
const DB = 'pv-nodes';
/** without MONGODB_URL the mongodb nodes have no server: their connection errors are expected */
const MONGO_TYPES = new Set(['mongodb in', 'mongodb out']);
const POLLERS = new Set(['xw-poll', 'kaco-read', 'sma-read']);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** "[error] [type:name] text" lines the runtime logged */
function errorLines(output: string): string[] {
  return output.split('\n').filter((l) => /\[error\]/.test(l));
}

describe('examples in a real Node-RED with InfluxDB (e2e)', function () {
  this.timeout(180000);
  let fleet: SimFleet;
  let influxd: Influxd;
  let nodeRed: NodeRedProcess;
  let watch: StatusWatch;
  let internet: net.Server;
  let servers: TestServers;

  before(async function () {
    fleet = await startSimFleet({
      host: '127.0.0.1',
      xw: { ...DEFAULT_XW, switchDelayMs: 100 },
      // 11:00 on the simulated day: the KACO inverters are awake whatever the hour here
      kaco: { ...DEFAULT_KACO, startHour: 11 },
      smaData1: { ...DEFAULT_SMA_DATA1, count: 1, startHour: 11 },
    });
    influxd = await startInfluxd();
    await influxd.command(`CREATE DATABASE "${DB}"`);
    internet = net.createServer((s) => s.destroy());
    await new Promise<void>((r) => internet.listen(0, '127.0.0.1', r));
    const mongoUrl = process.env.MONGODB_URL;
    servers = {
      fleet,
      influx: { host: influxd.host, port: influxd.port },
      mongo: mongoUrl ? mongoFromUrl(mongoUrl) : { hostname: '127.0.0.1', port: String(await freePort()), db: 'solar' },
      internet: { host: '127.0.0.1', port: (internet.address() as net.AddressInfo).port },
      serialPath: '/dev/null',
    };
    nodeRed = await startNodeRed({ companions: COMPANIONS });
    watch = await StatusWatch.connect(nodeRed.url);
  });

  after(async function () {
    watch?.close();
    await nodeRed?.stop();
    if (nodeRed) fs.rmSync(nodeRed.userDir, { recursive: true, force: true });
    await influxd?.close();
    await fleet?.close();
    await new Promise((r) => (internet ? internet.close(r) : r(undefined)));
  });

  /** deploys, waits for the pollers' first cycles, returns statuses seen and errors logged meanwhile */
  async function deployAndSettle(flow: FlowNode[]): Promise<{ red: string[]; errors: string[] }> {
    watch.clear();
    const mark = nodeRed.output().length;
    await deployFlows(nodeRed.url, flow);
    const pollers = flow.filter((n) => POLLERS.has(n.type)).map((n) => n.id);
    // a poller's status shows its first cycle's result ("3/3 ok, 40 ms", "3 ok · 12:00:01", "0 ok · 3 error …")
    await watch.until((s) => pollers.every((id) => /\bok\b/.test(s.get(id)?.text ?? '')), 30000, `first cycles of ${pollers.join(', ')}`);
    await sleep(1500);
    const byId = new Map(flow.map((n) => [n.id, n]));
    const excused = (id: string): boolean => !process.env.MONGODB_URL && MONGO_TYPES.has(String(byId.get(id)?.type));
    const red = watch.seen.filter(({ id, status }) => status.fill === 'red' && byId.has(id) && !excused(id)).map(({ id, status }) => `${byId.get(id)?.type} ${id}: ${status.text}`);
    const errors = errorLines(nodeRed.output().slice(mark)).filter((l) => process.env.MONGODB_URL || !/\[mongodb (in|out)/.test(l));
    return { red, errors };
  }

  describe('every example loads against the simulators', function () {
    const files = exampleFiles();
    it('there are the five examples', function () {
      assert.equal(files.length, 5, files.join(', '));
    });
    for (const file of files) {
      it(`${file}: every node type known, no node in error at deploy`, async function () {
        const flow = prepareExample(readExample(file), servers);
        const known = await registeredTypes(nodeRed.url);
        const unknown = [...typesIn(flow)].filter((t) => !known.has(t));
        assert.deepEqual(unknown, [], `unknown node types in ${file}`);
        const { red, errors } = await deployAndSettle(flow);
        assert.deepEqual(red, [], `nodes in error after deploying ${file}`);
        assert.deepEqual(errors, [], `errors logged after deploying ${file}`);
        assert.doesNotMatch(nodeRed.output(), /Waiting for missing types/);
      });
    }
  });

  describe('InfluxDB 1.x', function () {
    /**
     * The KACO example as shipped but faster: cycles back to back with a short pause (the
     * simulator needs no rest between requests), statistics every second; plus an XW poll into
     * the same database.
     */
    function influxFlow(pvLoggerNames: boolean): FlowNode[] {
      const flow = prepareExample(readExample('2 KACO to InfluxDB.json'), servers).map((n) => {
        if (n.type === 'kaco-read') return { ...n, interval: 1, yieldEvery: 1, pause: 50, pvLoggerNames };
        if (n.type === 'pv-watchdog') return { ...n, statsInterval: 1 };
        if (n.type === 'pv-cache') return { ...n, statsInterval: 1, path: `pv-cache/influx-${pvLoggerNames}.sqlite` };
        return n;
      });
      const influxConfig = flow.find((n) => n.type === 'influxdb');
      assert.ok(influxConfig && fleet.xw);
      const units = fleet.xw.units;
      return [
        ...flow,
        { id: 'e2e.tab', type: 'tab', label: 'XW to InfluxDB' },
        { id: 'e2e.bus', type: 'rs485-bus', name: 'XW sim', ...fleet.xw.bus, timeout: 1000, pause: 0, deadline: 30000, trace: false },
        ...units.map((u, i) => ({ id: `e2e.xw.${u}`, type: 'xw-inverter', name: `XW ${i + 1}`, bus: 'e2e.bus', unit: u })),
        { id: 'e2e.poll', type: 'xw-poll', z: 'e2e.tab', name: 'XW', inverters: units.map((u) => `e2e.xw.${u}`), interval: 1, energyInterval: 0, shape: 'influxdb', valueField: 'battery_power', measurement: 'xw', wires: [['e2e.out'], ['e2e.out'], []] },
        { id: 'e2e.out', type: 'influxdb out', z: 'e2e.tab', influxdb: influxConfig.id, name: '', measurement: '', precision: '', retentionPolicy: '', database: 'database', precisionV18FluxV20: 'ms', retentionPolicyV18Flux: '', org: 'organisation', bucket: 'bucket', wires: [] },
      ];
    }

    async function pointsOf(measurement: string, since: number, minCount: number): Promise<InfluxSeries> {
      const q = `SELECT * FROM "${measurement}" WHERE time >= ${since}ms`;
      const until = Date.now() + 30000;
      for (;;) {
        const [series] = await influxd.query(DB, q);
        if (series && series.values.length >= minCount) return series;
        if (Date.now() > until) throw new Error(`InfluxDB has ${series?.values.length ?? 0} points of ${measurement} since ${new Date(since).toISOString()}, wanted ${minCount}`);
        await sleep(250);
      }
    }

    /** rows as objects keyed by column */
    const rows = (s: InfluxSeries): Record<string, unknown>[] => s.values.map((v) => Object.fromEntries(s.columns.map((c, i) => [c, v[i]])));

    function assertTimes(rs: Record<string, unknown>[], since: number, what: string): void {
      const now = Date.now();
      for (const r of rs) {
        const t = r.time as number;
        assert.ok(t >= since && t <= now, `${what}: time ${new Date(t).toISOString()} outside the run ${new Date(since).toISOString()}…`);
      }
      // stamped with the read time to the millisecond, not the write time rounded by the server
      assert.ok(
        rs.some((r) => (r.time as number) % 1000 !== 0),
        `${what}: every time a whole second`,
      );
    }

    /** each point's time is when its device was asked: within 2 s of a request the simulator recorded for it */
    function assertNearRequests(rs: Record<string, unknown>[], requestTimes: (r: Record<string, unknown>) => number[], what: string): void {
      for (const r of rs) {
        const t = r.time as number;
        const near = requestTimes(r).some((at) => Math.abs(at - t) < 2000);
        assert.ok(near, `${what}: point at ${new Date(t).toISOString()} is not within 2 s of any request to its device`);
      }
    }
    const wall = (performanceMs: number): number => performance.timeOrigin + performanceMs;

    it('KACO readings, communication status and system statistics, and XW readings, with their tags and read times', async function () {
      const since = Date.now();
      await deployFlows(nodeRed.url, influxFlow(false));

      // per inverter a command 0 point and, with command 3 every cycle, a command 3 point
      const kaco = rows(await pointsOf('kaco', since, 6));
      assertTimes(kaco, since, 'kaco');
      assert.deepEqual([...new Set(kaco.map((r) => r.inverter))].sort(), ['1', '2', '3']);
      for (const r of kaco) {
        assert.equal(r.host, 'pv-node-1');
        assert.equal(r.region, 'europe');
        // command 3's values are their own point, a moment after command 0's
        if (typeof r.e_total === 'number' && r.p_ac === null) continue;
        assert.equal(typeof r.p_ac, 'number');
        assert.ok((r.p_ac as number) > 0, 'the simulated day is at 11:00: power above zero');
        assert.equal(typeof r.e_day, 'number');
        assert.equal(typeof r.status_text, 'string');
      }
      const kacoSim = fleet.kaco?.sim;
      assert.ok(kacoSim);
      assertNearRequests(kaco, (r) => kacoSim.requests.filter((q) => q.address === Number(r.inverter)).map((q) => wall(q.arrivedAt)), 'kaco');
      // the xi units (1, 3) send one DC string, the TL3 (2) two
      assert.ok(kaco.some((r) => r.inverter === '2' && typeof r.u_dc1 === 'number' && typeof r.u_dc2 === 'number'));
      assert.ok(kaco.some((r) => r.inverter === '1' && typeof r.u_dc === 'number'));

      const comm = rows(await pointsOf('kaco_communication', since, 3));
      assertTimes(comm, since, 'kaco_communication');
      assert.ok(comm.every((r) => r.last_request_status === 'ok' && r.host === 'pv-node-1' && r.region === 'europe'), JSON.stringify(comm.slice(0, 3)));

      const system = rows(await pointsOf('system', since, 2));
      assert.ok(system.some((r) => typeof r.uptime_node === 'number' || typeof r.uptime_app === 'number' || typeof r.ram_free_kb === 'number'), `watchdog statistics: ${JSON.stringify(system[0])}`);
      assert.ok(system.some((r) => r.host === 'pv-node-1' && r.region === 'europe'));
      assert.ok(system.some((r) => typeof r.cache_pending === 'number'), 'the cache statistics went through the cache into InfluxDB');

      const xw = rows(await pointsOf('xw', since, 6));
      assertTimes(xw, since, 'xw');
      assert.deepEqual([...new Set(xw.map((r) => r.inverter))].sort(), ['XW 1', 'XW 2', 'XW 3']);
      assert.deepEqual([...new Set(xw.map((r) => r.unit))].sort(), fleet.xw?.units.map(String));
      for (const r of xw) {
        assert.equal(r.bus, 'XW sim');
        assert.ok((r.battery_voltage as number) > 40 && (r.battery_voltage as number) < 60, `battery_voltage ${r.battery_voltage}`);
        assert.equal(typeof r.device_state_text, 'string');
        assert.equal(r.battery_power, Math.round(r.battery_power as number));
      }
      const xwSim = fleet.xw?.sim;
      assert.ok(xwSim);
      assertNearRequests(xw, (r) => xwSim.requests.filter((q) => q.unit === Number(r.unit)).map((q) => wall(q.arrivedAt)), 'xw');
      const summary = rows(await pointsOf('xw_summary', since, 2));
      assert.ok(summary.every((r) => r.units_ok === 3 && r.units_total === 3 && r.inverter === 'all'));
    });

    it('with "pv_logger names" on: the old logger\'s measurements (inverterN, communication) and field names', async function () {
      const since = Date.now();
      await deployFlows(nodeRed.url, influxFlow(true));
      for (const address of [1, 2, 3]) {
        const rs = rows(await pointsOf(`inverter${address}`, since, 2)); // command 0 and command 3
        assertTimes(rs, since, `inverter${address}`);
        for (const r of rs) {
          assert.equal(r.host, 'pv-node-1');
          assert.equal(r.region, 'europe');
          assert.equal(r.inverter, undefined, 'the old series had only the configured tags');
        }
        assert.ok(rs.some((r) => typeof r.temp === 'number'), `inverter${address}: temp (our temperature)`);
        assert.ok(rs.every((r) => r.temperature === undefined || r.temperature === null), `inverter${address}: no field under our own name`);
        assert.ok(rs.some((r) => r.e_all !== undefined && r.e_all !== null), `inverter${address}: e_all (our e_total)`);
        assert.ok(rs.some((r) => r.p_top !== undefined && r.p_top !== null), `inverter${address}: p_top (our p_peak_day)`);
      }
      const comm = rows(await pointsOf('communication', since, 3));
      assert.deepEqual([...new Set(comm.map((r) => r.inverter))].sort(), ['1', '2', '3']);
      assert.ok(comm.every((r) => r.last_request_status === 'ok'));
      const ours = await influxd.query(DB, `SELECT count(*) FROM "kaco" WHERE time >= ${since + 3000}ms`);
      assert.deepEqual(ours, [], 'nothing under our own measurement name once pv_logger names are on');
    });
  });
});
