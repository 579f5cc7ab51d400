/**
 * The store-and-forward cache: how fast messages can be stored durably (every put is a committed,
 * fsynced transaction, and so is every acknowledgement), and how long a dashboard query takes.
 * The figures are this machine's disk; a Raspberry Pi's SD card fsyncs far slower.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OffThreadCache } from '../lib/cache/offThreadCache';
import { StoreAndForward } from '../lib/cache/storeAndForward';
import type { BenchSection } from './benchSection';

const MESSAGES = 1000;
const QUERY_POINTS = 10000;

function reading(n: number): Record<string, unknown> {
  return { measurement: 'kaco', payload: [{ p_ac: 1000 + (n % 500), u_dc: 350.5, i_dc: 3.1, status: 'MPP' }, { unit: String(n % 6), host: 'pv-site' }] };
}

/** The node's cache, its file in a worker: puts awaited one by one (the round trip), then many in flight at once. */
async function offThread(file: string): Promise<(string | number)[][]> {
  const cache = new OffThreadCache(
    'bench',
    { file, retentionDays: 30, maxMB: 100, resendRate: 1000, batchSize: 1000, retryIntervalS: 10, ackTimeoutS: 600, rejectAfter: 5, stampTime: true },
    { resend: () => undefined, warn: () => undefined, changed: () => undefined, failed: (err) => console.error(err) },
  );
  try {
    await cache.stats();
    let t = process.hrtime.bigint();
    for (let n = 0; n < MESSAGES; n++) await cache.acknowledge((await cache.put(reading(n))).id);
    const oneByOneMs = Number(process.hrtime.bigint() - t) / 1e6;
    t = process.hrtime.bigint();
    const ids = await Promise.all(Array.from({ length: MESSAGES }, (_, n) => cache.put(reading(n)).then((r) => r.id)));
    const putMs = Number(process.hrtime.bigint() - t) / 1e6;
    t = process.hrtime.bigint();
    await Promise.all(ids.map((id) => cache.acknowledge(id)));
    const ackMs = Number(process.hrtime.bigint() - t) / 1e6;
    const row = (what: string, ms: number): (string | number)[] => [what, MESSAGES, Math.round(ms), +(ms / MESSAGES).toFixed(3), Math.round((MESSAGES * 1000) / ms)];
    return [
      row('worker: put + ack, each awaited', oneByOneMs),
      row('worker: store, all in flight', putMs),
      row('worker: acknowledge, all in flight', ackMs),
    ];
  } finally {
    await cache.close();
  }
}

export async function run(): Promise<BenchSection[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-cache-bench-'));
  const workerRows = await offThread(path.join(dir, 'worker.sqlite'));
  const cache = new StoreAndForward(
    'bench',
    { file: path.join(dir, 'bench.sqlite'), retentionDays: 30, maxMB: 100, resendRate: 1000, batchSize: 1000, retryIntervalS: 10, ackTimeoutS: 600, rejectAfter: 5, stampTime: true },
    { resend: () => undefined, warn: () => undefined, changed: () => undefined },
  );
  try {
    let t = process.hrtime.bigint();
    const ids: number[] = [];
    for (let n = 0; n < MESSAGES; n++) ids.push(cache.put(reading(n)).id);
    const putMs = Number(process.hrtime.bigint() - t) / 1e6;
    t = process.hrtime.bigint();
    for (const id of ids) cache.acknowledge(id);
    const ackMs = Number(process.hrtime.bigint() - t) / 1e6;
    for (let n = MESSAGES; n < QUERY_POINTS; n++) cache.acknowledge(cache.put(reading(n)).id);
    t = process.hrtime.bigint();
    const r = cache.query({ from: 0, to: Date.now() + 1000, measurement: 'kaco', field: 'p_ac', limit: QUERY_POINTS });
    const queryMs = Number(process.hrtime.bigint() - t) / 1e6;
    const size = cache.stats().sizeMB;
    return [
      {
        title: 'Store-and-forward cache (SQLite via node-sqlite3-wasm, journal TRUNCATE, synchronous FULL)',
        columns: ['operation', 'count', 'total ms', 'per item ms', 'per second'],
        rows: [
          ['store (durable put)', MESSAGES, Math.round(putMs), +(putMs / MESSAGES).toFixed(3), Math.round((MESSAGES * 1000) / putMs)],
          ['acknowledge (durable)', MESSAGES, Math.round(ackMs), +(ackMs / MESSAGES).toFixed(3), Math.round((MESSAGES * 1000) / ackMs)],
          [`query one field of ${r.points.length} points`, 1, Math.round(queryMs), +queryMs.toFixed(1), '-'],
          ...workerRows,
        ],
        notes: [
          `each put and each acknowledgement is its own fsynced transaction; ${QUERY_POINTS} readings take ${size} MB`,
          'a site with 6 inverters polled every 10 s stores 0.6 messages/s',
          'the first rows run StoreAndForward on this thread; "worker" rows are OffThreadCache, as pv-cache runs it: the file in a worker thread, each call a message there and back (commits are not merged: each put and ack is still its own transaction)',
        ],
      },
    ];
  } finally {
    cache.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
