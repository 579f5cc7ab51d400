/**
 * Does the cache's durability cost the bus its timing? pv-cache commits every message in its own
 * fsynced SQLite transaction on the event loop the bus runs on (lib/cache/durableSqlite.ts). Here
 * the bus profile (bench/busProfile.ts) runs alone, then beside a cache taking a message every
 * RATE_MS with its acknowledgement: the gap after a reply − t3.5 (median and p99) and the cycle's
 * ratio to the wire limit say whether the fsyncs stall the next frame.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchSection } from './benchSection';
import { profile, type Breakdown } from './busProfile';
import { StoreAndForward } from '../lib/cache/storeAndForward';
import { FORMAT_8N1, rtuFrameBytes, transactionLimitMs } from '../lib/bus/wireTiming';
import { median } from './measure';

const RUNS = 3;
const BAUD = 19200;
const REGISTERS = 10;
const TURNAROUND_MS = 20;
/** a message every 50 ms: 20 points a second, a busy installation's poll and cycle outputs together */
const RATE_MS = 50;

/** Starts a cache taking a message every RATE_MS (acknowledged like a database node's complete); returns its stop and the put times. */
function cacheBeside(file: string, putMs: number[]): () => () => void {
  return () => {
    const cache = new StoreAndForward('bench', { file, retentionDays: 1, maxMB: 50, resendRate: 10, batchSize: 100, retryIntervalS: 5, ackTimeoutS: 10, rejectAfter: 0, stampTime: true }, { resend: () => undefined, warn: () => undefined, changed: () => undefined });
    let n = 0;
    const timer = setInterval(() => {
      const t0 = performance.now();
      const { id } = cache.put({ payload: { p_ac: 1000 + (n++ % 100), u_dc: 350.5 }, topic: 'inverter1' });
      cache.acknowledge(id);
      putMs.push(performance.now() - t0);
    }, RATE_MS);
    return () => {
      clearInterval(timer);
      cache.close();
    };
  };
}

export async function run(): Promise<BenchSection[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-cache-bus-'));
  const rows: (string | number)[][] = [];
  const [req, rep] = rtuFrameBytes.readHolding(REGISTERS);
  const limit = transactionLimitMs(req, rep, BAUD, TURNAROUND_MS, FORMAT_8N1);
  try {
    for (const withCache of [false, true]) {
      const runs: Breakdown[] = [];
      const putMs: number[] = [];
      for (let i = 0; i < RUNS; i++) runs.push(await profile('pty', BAUD, withCache ? cacheBeside(path.join(dir, `cache-${i}.db`), putMs) : undefined));
      const m = (k: keyof Breakdown): number => median(runs.map((r) => r[k]));
      rows.push([
        withCache ? `with a cache write + ack every ${RATE_MS} ms` : 'bus alone',
        limit.toFixed(2),
        m('cycle').toFixed(2),
        (m('cycle') / limit).toFixed(3),
        m('gapBeyondT35').toFixed(2),
        Math.max(...runs.map((r) => r.gapBeyondT35P99)).toFixed(2),
        m('cpuPerTx').toFixed(2),
        withCache ? `${median(putMs).toFixed(2)} / ${Math.max(...putMs).toFixed(2)}` : '–',
      ]);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return [
    {
      title: `Bus timing beside the cache's fsyncs (pty ${BAUD} baud, ${REGISTERS}-register reads, ${TURNAROUND_MS} ms turnaround)`,
      columns: ['run', 'limit', 'cycle', 'ratio', 'gap after reply − t3.5 (median)', 'gap p99 (worst run)', 'CPU per tx', 'cache put + ack, median / max'],
      rows,
      notes: [
        `medians over ${RUNS} runs of the bus profile's 150 transactions; times in ms; the cache file is in ${os.tmpdir()} (synchronous FULL: every put and ack is its own fsynced transaction)`,
        'the cache runs on the same event loop as the bus, as pv-cache does in Node-RED: a put that holds the loop past a reply delays the next frame by as much, which shows in the gap and its p99',
      ],
    },
  ];
}
