/**
 * Does the cache's durability cost the bus its timing? pv-cache commits every message in its own
 * fsynced SQLite transaction (lib/cache/durableSqlite.ts). Here the bus profile (bench/busProfile.ts)
 * runs alone, then beside a cache taking a message every RATE_MS with its acknowledgement: first
 * the cache on the bus's own event loop (StoreAndForward, as pv-cache ran until issue 13), then the
 * cache with its file in a worker thread (OffThreadCache, as pv-cache runs now). The gap after a
 * reply − t3.5 (median and p99) and the cycle's ratio to the wire limit say whether the fsyncs
 * stall the next frame.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchSection } from './benchSection';
import { profile, type Breakdown } from './busProfile';
import type { CacheSettings } from '../lib/cache/cacheSettings';
import { OffThreadCache } from '../lib/cache/offThreadCache';
import { StoreAndForward } from '../lib/cache/storeAndForward';
import { FORMAT_8N1, rtuFrameBytes, transactionLimitMs } from '../lib/bus/wireTiming';
import { median } from './measure';

const RUNS = 3;
const BAUD = 19200;
const REGISTERS = 10;
const TURNAROUND_MS = 20;
/** a message every 50 ms: 20 points a second, a busy installation's poll and cycle outputs together */
const RATE_MS = 50;

type Where = 'alone' | 'same loop' | 'worker';

/** What a put + ack cost: until both are committed, and how long the bus's loop was held for them. */
interface PutTimes {
  committedMs: number[];
  heldMs: number[];
}

/** A cache beside the bus: `start` begins a put + ack every RATE_MS and returns what stops it. */
interface Beside {
  start(): () => void;
  close(): Promise<void>;
}

const settings = (file: string): CacheSettings => ({ file, retentionDays: 1, maxMB: 50, resendRate: 10, batchSize: 100, retryIntervalS: 5, ackTimeoutS: 10, rejectAfter: 0, stampTime: true });
const reading = (n: number): Record<string, unknown> => ({ payload: { p_ac: 1000 + (n % 100), u_dc: 350.5 }, topic: 'inverter1' });

/** The cache on the bus's event loop: every put and ack holds the loop through its fsyncs. */
function sameLoopCache(file: string, t: PutTimes): Beside {
  const cache = new StoreAndForward('bench', settings(file), { resend: () => undefined, warn: () => undefined, changed: () => undefined });
  return {
    start() {
      let n = 0;
      const timer = setInterval(() => {
        const t0 = performance.now();
        const { id } = cache.put(reading(n++));
        cache.acknowledge(id);
        const ms = performance.now() - t0;
        t.committedMs.push(ms);
        t.heldMs.push(ms);
      }, RATE_MS);
      return () => clearInterval(timer);
    },
    close: async () => cache.close(),
  };
}

/** The cache with its file in a worker: this loop only encodes, posts and takes the answers. */
async function workerCache(file: string, t: PutTimes): Promise<Beside> {
  const cache = new OffThreadCache('bench', settings(file), { resend: () => undefined, warn: () => undefined, changed: () => undefined, failed: (err) => console.error(err) });
  await cache.stats(); // the worker runs and the file is open before the bus starts
  return {
    start() {
      let n = 0;
      const timer = setInterval(() => {
        const t0 = performance.now();
        const put = cache.put(reading(n++));
        let held = performance.now() - t0;
        void put
          .then(({ id }) => {
            const t1 = performance.now();
            const ack = cache.acknowledge(id);
            held += performance.now() - t1;
            return ack;
          })
          .then(() => {
            t.committedMs.push(performance.now() - t0);
            t.heldMs.push(held);
          });
      }, RATE_MS);
      return () => clearInterval(timer);
    },
    close: () => cache.close(),
  };
}

const LABELS: Readonly<Record<Where, string>> = {
  alone: 'bus alone',
  'same loop': `cache write + ack every ${RATE_MS} ms, on the bus's event loop (before)`,
  worker: `cache write + ack every ${RATE_MS} ms, file in a worker thread (now)`,
};

const ms2 = (xs: number[]): string => (xs.length ? `${median(xs).toFixed(2)} / ${Math.max(...xs).toFixed(2)}` : '–');

export async function run(): Promise<BenchSection[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-cache-bus-'));
  const rows: (string | number)[][] = [];
  const [req, rep] = rtuFrameBytes.readHolding(REGISTERS);
  const limit = transactionLimitMs(req, rep, BAUD, TURNAROUND_MS, FORMAT_8N1);
  try {
    for (const where of ['alone', 'same loop', 'worker'] as const) {
      const runs: Breakdown[] = [];
      const t: PutTimes = { committedMs: [], heldMs: [] };
      for (let i = 0; i < RUNS; i++) {
        const file = path.join(dir, `cache-${where.replace(' ', '-')}-${i}.db`);
        const beside = where === 'alone' ? undefined : where === 'worker' ? await workerCache(file, t) : sameLoopCache(file, t);
        try {
          runs.push(await profile('pty', BAUD, beside ? () => beside.start() : undefined));
        } finally {
          await beside?.close();
        }
      }
      const m = (k: keyof Breakdown): number => median(runs.map((r) => r[k]));
      rows.push([
        LABELS[where],
        limit.toFixed(2),
        m('cycle').toFixed(2),
        (m('cycle') / limit).toFixed(3),
        m('gapBeyondT35').toFixed(2),
        Math.max(...runs.map((r) => r.gapBeyondT35P99)).toFixed(2),
        m('cpuPerTx').toFixed(2),
        ms2(t.committedMs),
        ms2(t.heldMs),
      ]);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return [
    {
      title: `Bus timing beside the cache's fsyncs (pty ${BAUD} baud, ${REGISTERS}-register reads, ${TURNAROUND_MS} ms turnaround)`,
      columns: [
        'run',
        'limit',
        'cycle',
        'ratio',
        'gap after reply − t3.5 (median)',
        'gap p99 (worst run)',
        'CPU per tx',
        'put + ack until committed, median / max',
        "bus's loop held per put + ack, median / max",
      ],
      rows,
      notes: [
        `medians over ${RUNS} runs of the bus profile's 150 transactions; times in ms; the cache file is in ${os.tmpdir()} (synchronous FULL: every put and ack is its own fsynced transaction)`,
        "on the bus's event loop (pv-cache until issue 13) a put that holds the loop past a reply delays the next frame by as much, which shows in the gap and its p99; with the file in a worker the loop only encodes the message, posts it and takes the answer",
        'CPU per tx is the whole process (process.cpuUsage), the worker thread included; "held" is the synchronous part of the put and ack calls on the bus\'s thread (the answer\'s message event besides)',
      ],
    },
  ];
}
