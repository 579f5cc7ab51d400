import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NodeAPI, NodeMessage } from 'node-red';
import { helper } from '../support/nodeRed';
import { INFLUXD_MISSING, startInfluxd, type Influxd } from '../support/influxd';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pvCache = require('../../nodes/pv-cache/pv-cache') as (RED: NodeAPI) => void;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const influxNodes = require('node-red-contrib-influxdb/influxdb.js') as (RED: NodeAPI) => void;

type Msg = NodeMessage & Record<string, unknown>;
const DB = 'cache_e2e';
const MEASUREMENT = 'pv_cache_outage';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const until = async (cond: () => boolean | Promise<boolean>, what: string, ms: number): Promise<void> => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(50);
  }
};

describe('test/support/influxd', () => {
  it('fails loudly, naming the package, when influxd is not there', async () => {
    const saved = process.env.INFLUXD_PATH;
    process.env.INFLUXD_PATH = '/nonexistent/influxd';
    try {
      await assert.rejects(startInfluxd(), (err: Error) => err.message.startsWith(INFLUXD_MISSING) && /apt-get install influxdb/.test(err.message));
    } finally {
      if (saved === undefined) delete process.env.INFLUXD_PATH;
      else process.env.INFLUXD_PATH = saved;
    }
  });
});

describe('pv-cache with a real InfluxDB through an outage', function () {
  this.timeout(90000);
  let influx: Influxd;
  let dir: string;

  before(async () => {
    influx = await startInfluxd();
    await influx.command(`CREATE DATABASE ${DB}`);
  });
  after(async () => {
    await helper.unload();
    await influx?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes every point exactly once with its original timestamp after influxd was down', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-cache-influx-'));
    await helper.load(
      [pvCache, influxNodes],
      [
        {
          id: 'cache',
          type: 'pv-cache',
          path: path.join(dir, 'c.sqlite'),
          retryInterval: 0.2,
          resendRate: 200,
          ackTimeout: 20,
          statsInterval: 0,
          wires: [['influx', 'sent'], ['stats'], []],
        },
        { id: 'cfg', type: 'influxdb', hostname: '127.0.0.1', port: String(influx.port), database: DB, name: '', usetls: false, influxdbVersion: '1.x' },
        { id: 'influx', type: 'influxdb out', influxdb: 'cfg', name: '', measurement: MEASUREMENT, precision: '', retentionPolicy: '', wires: [] },
        { id: 'ok', type: 'complete', scope: ['influx'], wires: [['cache', 'acks']] },
        { id: 'bad', type: 'catch', scope: ['influx'], uncaught: false, wires: [['cache', 'failures']] },
        { id: 'sent', type: 'helper' },
        { id: 'acks', type: 'helper' },
        { id: 'failures', type: 'helper' },
        { id: 'stats', type: 'helper' },
      ],
      { cfg: { username: '', password: '' } },
    );
    const cache = helper.getNode('cache')!;
    const firstSentTime = new Map<number, number>();
    const sentCount = new Map<number, number>();
    const ackCount = new Map<number, number>();
    let failures = 0;
    const seqOf = (m: Msg): number => ((m.payload as [Record<string, unknown>])[0].seq as number);
    helper.getNode('sent')!.on('input', (m: NodeMessage) => {
      const seq = seqOf(m as Msg);
      sentCount.set(seq, (sentCount.get(seq) ?? 0) + 1);
      if (!firstSentTime.has(seq)) firstSentTime.set(seq, ((m as Msg).payload as [{ time: Date }])[0].time.getTime());
    });
    helper.getNode('acks')!.on('input', (m: NodeMessage) => ackCount.set(seqOf(m as Msg), (ackCount.get(seqOf(m as Msg)) ?? 0) + 1));
    helper.getNode('failures')!.on('input', () => failures++);
    let pending = -1;
    helper.getNode('stats')!.on('input', (m: NodeMessage) => (pending = ((m as Msg).payload as [{ cache_pending: number }])[0].cache_pending));

    let seq = 0;
    const feed = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) {
        seq++;
        // no time: the cache stamps the arrival time
        cache.receive({ payload: [{ seq, p_ac: seq * 10 }, { unit: '1' }] } as never);
        await sleep(15);
      }
    };

    await feed(20);
    await influx.stop();
    await feed(60); // about a second of outage, every point stored and pending
    await sleep(500);
    const failuresDuringOutage = failures;
    await influx.start();
    await feed(20);
    await until(
      async () => {
        cache.receive({ cacheQuery: 'stats' } as never);
        await sleep(20);
        return pending === 0;
      },
      'the cache to drain',
      60000,
    );

    const total = seq;
    const series = await influx.query(DB, `SELECT * FROM ${MEASUREMENT}`);
    assert.equal(series.length, 1, JSON.stringify(series));
    const cols = series[0].columns;
    const rows = series[0].values.map((v) => Object.fromEntries(cols.map((c, i) => [c, v[i]])) as { time: number; seq: number; p_ac: number; unit: string });
    assert.equal(rows.length, total, `${rows.length} points in InfluxDB for ${total} sent`);
    const seqs = rows.map((r) => r.seq).sort((a, b) => a - b);
    assert.deepEqual(seqs, Array.from({ length: total }, (_, i) => i + 1), 'every point once');
    for (const r of rows) {
      assert.equal(r.time, firstSentTime.get(r.seq), `point ${r.seq} keeps the time it was stamped with when it arrived`);
      assert.equal(r.p_ac, r.seq * 10);
      assert.equal(r.unit, '1');
    }
    assert.ok(failuresDuringOutage > 0, 'influxd was really down: deliveries failed');
    const resent = [...sentCount.values()].filter((n) => n > 1).length;
    assert.ok(resent > 0, 'some points were re-sent');
    for (let s = 1; s <= total; s++) assert.equal(ackCount.get(s), 1, `point ${s} acknowledged ${ackCount.get(s) ?? 0} times`);
  });
});

describe('pv-cache drains a backlog in batches into a real InfluxDB', function () {
  this.timeout(120000);
  let influx: Influxd;
  let dir: string;
  const T0 = Date.UTC(2026, 11, 1, 0);
  const BACKLOG = 2000;

  before(async () => {
    influx = await startInfluxd();
    await influx.command(`CREATE DATABASE ${DB}`);
  });
  after(async () => {
    await helper.unload();
    await influx?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const dbNode of ['influxdb out', 'influxdb batch'] as const) {
    it(`through ${dbNode}: every point once with its own timestamp, in far fewer writes than points`, async () => {
      await helper.unload();
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-cache-batch-influx-'));
      const measurement = `drain_${dbNode.replace(' ', '_')}`;
      await helper.load(
        [pvCache, influxNodes],
        [
          { id: 'cache', type: 'pv-cache', path: path.join(dir, 'c.sqlite'), retryInterval: 1, ackTimeout: 30, statsInterval: 0, wires: [['influx'], ['stats'], []] },
          { id: 'cfg', type: 'influxdb', hostname: '127.0.0.1', port: String(influx.port), database: DB, name: '', usetls: false, influxdbVersion: '1.x' },
          dbNode === 'influxdb out'
            ? { id: 'influx', type: 'influxdb out', influxdb: 'cfg', name: '', measurement, precision: '', retentionPolicy: '', wires: [] }
            : { id: 'influx', type: 'influxdb batch', influxdb: 'cfg', name: '', precision: '', retentionPolicy: '', wires: [] },
          { id: 'ok', type: 'complete', scope: ['influx'], wires: [['cache', 'acks']] },
          { id: 'bad', type: 'catch', scope: ['influx'], uncaught: false, wires: [['cache', 'failures']] },
          { id: 'acks', type: 'helper' },
          { id: 'failures', type: 'helper' },
          { id: 'stats', type: 'helper' },
        ],
        { cfg: { username: '', password: '' } },
      );
      const cache = helper.getNode('cache')!;
      let acks = 0;
      let failures = 0;
      let pending = -1;
      helper.getNode('acks')!.on('input', () => acks++);
      helper.getNode('failures')!.on('input', () => failures++);
      helper.getNode('stats')!.on('input', (m: NodeMessage) => (pending = ((m as Msg).payload as [{ cache_pending: number }])[0].cache_pending));
      const message = (seq: number): Record<string, unknown> => {
        const time = new Date(T0 + seq * 1000);
        return dbNode === 'influxdb out'
          ? { payload: [{ seq, p_ac: seq * 10, time }, { unit: String(seq % 3) }] }
          : { payload: [{ measurement, fields: { seq, p_ac: seq * 10 }, tags: { unit: String(seq % 3) }, timestamp: time }] };
      };

      await influx.stop();
      for (let seq = 1; seq <= BACKLOG; seq++) cache.receive(message(seq) as never);
      await until(() => failures > 0, 'a failed delivery while influxd is down', 30000);
      // The puts are committed one after another in the cache's worker: the backlog is whole once all 2000 are stored
      // (else the last ones would go out live, one write each, once influxd is back).
      await until(
        async () => {
          cache.receive({ cacheQuery: 'stats' } as never);
          await sleep(50);
          return pending === BACKLOG;
        },
        'the whole backlog stored',
        60000,
      );
      await influx.start();
      const acksBefore = acks;
      await until(
        async () => {
          cache.receive({ cacheQuery: 'stats' } as never);
          await sleep(50);
          return pending === 0;
        },
        'the cache to drain',
        90000,
      );
      const series = await influx.query(DB, `SELECT * FROM ${measurement}`);
      const cols = series[0].columns;
      const rows = series[0].values.map((v) => Object.fromEntries(cols.map((c, i) => [c, v[i]])) as { time: number; seq: number; p_ac: number; unit: string });
      assert.equal(rows.length, BACKLOG, `${rows.length} points in InfluxDB for ${BACKLOG} stored`);
      assert.deepEqual(
        rows.map((r) => r.seq).sort((a, b) => a - b),
        Array.from({ length: BACKLOG }, (_, i) => i + 1),
        'every point once',
      );
      for (const r of rows) {
        assert.equal(r.time, T0 + r.seq * 1000, `point ${r.seq} keeps its own timestamp`);
        assert.equal(r.unit, String(r.seq % 3), `point ${r.seq} keeps its tags`);
      }
      const writes = acks - acksBefore;
      assert.ok(writes <= BACKLOG / 100, `${writes} acknowledged writes drained ${BACKLOG} points`);
    });
  }
});
