/**
 * A long outage's backlog drained into a real influxd (Debian influxdb 1.x) through the real
 * node-red-contrib-influxdb nodes in the Node-RED runtime: 50,000 points (6 inverters every
 * 10 s for about a day), written into the cache file beforehand as pv-cache stores them, then
 * a flow pv-cache → influxdb batch / influxdb out with complete and catch back into the cache.
 * Time and rate until influxd holds every point; the Node-RED process's RSS before, during
 * (peak) and after.
 * `node dist/bench/run.js cacheDrain -- single` runs the one-message-at-a-time drain instead.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applySchema } from '../lib/cache/cacheSchema';
import { openDurableDatabase } from '../lib/cache/durableSqlite';
import { encodeMessage } from '../lib/cache/messageCodec';
import { startInfluxd, type Influxd } from '../test/support/influxd';
import { startNodeRed } from '../test/support/nodeRedProcess';
import type { BenchSection } from './benchSection';

const POINTS = Number(process.env.CACHE_DRAIN_POINTS ?? 50000);
const DB = 'drain_bench';
const HEAP_MB = 96;
const T0 = Date.UTC(2026, 10, 30, 0);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (bytes: number): number => Math.round(bytes / 1e5) / 10;


/** The backlog as pv-cache stores a KACO reading per message (kaco-read's influx shape). */
function writeBacklog(file: string, dbNode: string): void {
  const store = openDurableDatabase(file, applySchema);
  const insert = store.db.prepare('INSERT INTO messages (state, stored_ms, time_from, time_to, measurement, bytes, body) VALUES (0, ?, ?, ?, ?, ?, ?)');
  store.db.exec('BEGIN');
  for (let n = 0; n < POINTS; n++) {
    const inverter = (n % 6) + 1;
    const time = T0 + Math.floor(n / 6) * 10000;
    const fields = { u_dc: 350 + (n % 50), i_dc: 3.1, p_dc: 1100 + (n % 400), u_ac: 231.2, i_ac: 4.6, p_ac: 1000 + (n % 400), temp: 41, e_day: 12.5, status_code: 4, n };
    const measurement = `inverter${inverter}`;
    const msg =
      dbNode === 'influxdb batch'
        ? { payload: [{ measurement, fields, tags: { host: 'pv-site', inverter: String(inverter) }, timestamp: new Date(time) }] }
        : { measurement, payload: [{ ...fields, time: new Date(time) }, { host: 'pv-site', inverter: String(inverter) }] };
    const body = encodeMessage(msg, new Set());
    insert.run([time, time, time, measurement, Buffer.byteLength(body), body]);
  }
  store.db.exec('COMMIT');
  insert.finalize();
  store.close();
}

/** VmRSS of a process in bytes, from /proc (Linux). */
function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

async function drain(dbNode: 'influxdb batch' | 'influxdb out', batch: 'auto' | 'single', influx: Influxd, dir: string): Promise<(string | number)[]> {
  const measurementRe = `/^inverter[1-6]$/`;
  await influx.command(`DROP DATABASE ${DB}`);
  await influx.command(`CREATE DATABASE ${DB}`);
  const file = path.join(dir, `${dbNode.replace(' ', '-')}-${batch}.sqlite`);
  writeBacklog(file, dbNode);
  const red = await startNodeRed({
    companions: ['node-red-contrib-influxdb'],
    // a small device's heap: a drain that held the backlog whole would not fit
    env: { NODE_OPTIONS: `--max-old-space-size=${HEAP_MB}` },
    flows: [
      { id: 'tab', type: 'tab', label: 'drain' },
      { id: 'cache', z: 'tab', type: 'pv-cache', path: file, batch, statsInterval: 0, ackTimeout: 60, wires: [['influx'], [], []] },
      { id: 'cfg', type: 'influxdb', hostname: '127.0.0.1', port: String(influx.port), database: DB, name: '', usetls: false, influxdbVersion: '1.x' },
      dbNode === 'influxdb batch'
        ? { id: 'influx', z: 'tab', type: 'influxdb batch', influxdb: 'cfg', name: '', precision: '', retentionPolicy: '', wires: [] }
        : { id: 'influx', z: 'tab', type: 'influxdb out', influxdb: 'cfg', name: '', measurement: '', precision: '', retentionPolicy: '', wires: [] },
      { id: 'ok', z: 'tab', type: 'complete', scope: ['influx'], wires: [['cache']] },
      { id: 'bad', z: 'tab', type: 'catch', scope: ['influx'], uncaught: false, wires: [['cache']] },
    ],
  });
  const pid = red.child.pid!;
  const started = performance.now();
  const rssBefore = rssOf(pid);
  let peakRss = rssBefore;
  let stored = 0;
  const limitMs = batch === 'single' ? 60000 : 600000;
  try {
    while (stored < POINTS && performance.now() - started < limitMs) {
      await sleep(250);
      peakRss = Math.max(peakRss, rssOf(pid));
      const series = await influx.query(DB, `SELECT count(n) FROM ${measurementRe}`);
      stored = series.reduce((sum, s) => sum + Number(s.values[0]?.[1] ?? 0), 0);
    }
    const ms = performance.now() - started;
    await sleep(2000);
    const rssAfter = rssOf(pid);
    const done = stored >= POINTS;
    return [
      dbNode,
      batch,
      stored,
      done ? (ms / 1000).toFixed(1) : `> ${(limitMs / 1000).toFixed(0)} (stopped)`,
      Math.round((stored * 1000) / ms),
      done ? '-' : (POINTS / ((stored * 1000) / ms) / 60).toFixed(0),
      `${mb(rssBefore)} / ${mb(peakRss)} / ${mb(rssAfter)}`,
    ];
  } finally {
    await red.stop();
  }
}

export async function run(): Promise<BenchSection[]> {
  const influx = await startInfluxd();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-cache-drain-bench-'));
  try {
    await influx.command(`CREATE DATABASE ${DB}`);
    const rows: (string | number)[][] = [];
    rows.push(await drain('influxdb batch', 'auto', influx, dir));
    rows.push(await drain('influxdb out', 'auto', influx, dir));
    rows.push(await drain('influxdb out', 'single', influx, dir));
    return [
      {
        title: `pv-cache: a backlog of ${POINTS.toLocaleString('en')} points drained into influxd through the InfluxDB nodes`,
        columns: ['database node', 'backlog', 'points stored', 'seconds', 'points/s', 'minutes for all (extrapolated)', 'Node-RED RSS MB before / peak / after'],
        rows,
        notes: [
          'backlog "auto": batches of up to 1000 stored messages in the form the node takes (influxdb batch: one write; influxdb out: one write per measurement), two in flight, each acknowledged in one transaction',
          'backlog "single": one message per stored message, which is how 0.1.0 always drained (at its default 10 messages/s); stopped after 60 s and extrapolated',
          `Node-RED runs with --max-old-space-size=${HEAP_MB} (a small device's heap), so a drain holding the backlog whole would fail`,
          'a real Node-RED process (red.js) with the cache file already holding the backlog; time from "Started flows" until influxd holds every point (counted by query every 250 ms); RSS of that process from /proc, sampled with each count',
        ],
      },
    ];
  } finally {
    await influx.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
