/**
 * What inverters that never answer command 3 cost, before and after kaco-read learns it: 5
 * inverters, 3 of them silent on command 3, command 3 every 2 cycles, KACO's timings (2.5 s
 * response time, 1 s pause, turnaround 50–300 ms, 9600 baud) on a clock 60× faster, for a
 * simulated 65 minutes (one hourly re-try included).
 */
import type { BenchSection } from './benchSection';
import { Bus } from '../lib/bus/bus';
import { COMMAND_SUPPORT_DEFAULTS } from '../lib/kaco/commandSupport';
import { KacoClient } from '../lib/kaco/kacoClient';
import { KacoPoller, type CycleSummary } from '../lib/kaco/kacoPoller';
import { KacoSim, type KacoRequestRecord } from '../lib/sim/kacoSim';
import { acceleratedTime, SCALE } from './kaco';

const ADDRESSES = [1, 2, 3, 4, 5];
const SILENT_ON_3 = [2, 4, 5];
const TIMEOUT_MS = 2500;
const PAUSE_MS = 1000;
const INTERVAL_MS = 10000;
const YIELD_EVERY = 2;
const RUN_MS = 65 * 60_000;

interface CycleCost {
  summary: CycleSummary;
  requests: KacoRequestRecord[];
  /** Σ reply times (turnaround + wire) of the answered, the response time of the unanswered, and a pause after each request but the last */
  limitMs: number;
}

export async function run(): Promise<BenchSection[]> {
  const sim = await KacoSim.start({
    endpoint: { transport: 'tcp' },
    inverters: ADDRESSES.map((address) => ({ address, silentCommands: SILENT_ON_3.includes(address) ? ['3'] : [] })),
    latencyMs: [50 / SCALE, 300 / SCALE],
    baudRate: 9600 * SCALE,
    timeOfDay: () => 12,
  });
  const time = acceleratedTime();
  const bus = new Bus('bench-kaco-learning', { link: { kind: 'tcp', host: '127.0.0.1', port: sim.port as number, lineBaudRate: 9600 }, framing: 'rtu', timeoutMs: 1000, pauseMs: 0, deadlineMs: 600000, trace: false }, { scheduler: time });
  bus.start();
  const client = new KacoClient(bus, { owner: 'bench', timeoutMs: TIMEOUT_MS, pauseAfterMs: PAUSE_MS, missesToAsleep: 3, probeEveryMs: 60000 });
  const cycles: CycleCost[] = [];
  const notices: string[] = [];
  let seen = 0;
  const poller = new KacoPoller({
    targets: ADDRESSES.map((address) => ({ id: `i${address}`, address, name: `${address}`, client })),
    intervalMs: INTERVAL_MS,
    yieldEvery: YIELD_EVERY,
    onResult: (r) => {
      if (r.status !== 'ok') process.stderr.write(`bench kaco learning: inverter ${r.address} ${r.status}: ${r.errorMessage}\n`);
      else if (/does not answer|again/.test(r.errorMessage)) notices.push(r.errorMessage);
    },
    onCycle: (summary) => {
      const requests = sim.requests.slice(seen);
      seen = sim.requests.length;
      const wire = requests.reduce((sum, q) => sum + (q.repliedAt !== null || q.doneBy !== null ? (q.turnaroundMs + q.wireMs) * SCALE : TIMEOUT_MS), 0);
      cycles.push({ summary, requests, limitMs: wire + Math.max(0, requests.length - 1) * PAUSE_MS });
    },
    scheduler: time,
  });
  try {
    await new Promise<void>((resolve) => {
      const wait = (): void => void (bus.state === 'open' ? resolve() : setTimeout(wait, 5));
      wait();
    });
    poller.start();
    await new Promise((r) => setTimeout(r, RUN_MS / SCALE));
    await poller.stop();
  } finally {
    await poller.stop();
    await bus.close();
    await sim.close();
  }

  const silent3 = (c: CycleCost): number => c.requests.filter((q) => q.command === '3' && SILENT_ON_3.includes(q.address)).length;
  // learned once every silent inverter has missed 3 times: the yield cycle where the last notice came
  const learnedAt = cycles.findIndex((c, i) => cycles.slice(0, i + 1).reduce((n, x) => n + silent3(x), 0) >= SILENT_ON_3.length * COMMAND_SUPPORT_DEFAULTS.missesToLearn);
  const yieldCycles = cycles.filter((c) => c.summary.withYield);
  const before = yieldCycles.filter((c) => cycles.indexOf(c) <= learnedAt);
  const after = yieldCycles.filter((c) => cycles.indexOf(c) > learnedAt && silent3(c) === 0);
  const retries = yieldCycles.filter((c) => cycles.indexOf(c) > learnedAt && silent3(c) > 0);
  const plain = cycles.filter((c) => !c.summary.withYield);
  const row = (what: string, cs: CycleCost[]): (string | number)[] => {
    const mean = (f: (c: CycleCost) => number): number => cs.reduce((s, c) => s + f(c), 0) / Math.max(1, cs.length);
    const measured = mean((c) => c.summary.durationMs);
    const limit = mean((c) => c.limitMs);
    return [what, cs.length, mean((c) => c.requests.length).toFixed(1), measured.toFixed(0), limit.toFixed(0), (measured / limit).toFixed(3), mean(silent3).toFixed(1)];
  };
  const simulatedH = RUN_MS / 3_600_000;
  const toSilent = cycles.reduce((n, c) => n + silent3(c), 0);
  const afterLearning = cycles.slice(learnedAt + 1).reduce((n, c) => n + silent3(c), 0);
  return [
    {
      title: `KACO: 5 inverters, 3 never answering command 3, command 3 every ${YIELD_EVERY} cycles, before and after learning (interval ${INTERVAL_MS / 1000} s, KACO timings on a ${SCALE}× clock)`,
      columns: ['cycles', 'count', 'requests per cycle', 'measured cycle ms', 'Σ replies + timeouts + pauses ms', 'ratio', 'command 3 requests to the silent ones per cycle'],
      rows: [row('with command 3, learning (3 misses each)', before), row('with command 3, learned', after), row('with command 3, hourly re-try', retries), row('command 0 only', plain)],
      notes: [
        'limit = Σ over the cycle\'s requests of (the simulator\'s turnaround + request and reply bytes at 9600 baud) for those answered, the 2.5 s response time for those not, plus KACO\'s 1 s pause after each request but the last',
        `learned: after ${COMMAND_SUPPORT_DEFAULTS.missesToLearn} silent misses in a row command 3 is not asked of that inverter for ${COMMAND_SUPPORT_DEFAULTS.retryEveryMs / 60000} min, so a command 3 cycle costs only what is still asked (5 × command 0, 2 × command 3): below the ${INTERVAL_MS / 1000} s interval`,
        `before learning each silent inverter costs 2.5 s + 1 s per command 3 cycle, for ever (0.1.0); 5 inverters at KACO's 1 s pause need ≥ 5 s of pauses alone per cycle, so an interval of 5 s cannot be kept by any reader`,
        `clock, timers, line speed, turnaround, response time and pause all ${SCALE}× faster (one scheduler, lib/time/scheduler.ts, drives the bus, the client and the poller); reported in simulated ms, so each real ms of event-loop and TCP overhead per request shows as ${SCALE} ms: the ratio here is an upper bound, the pty table above has the real one`,
        `notices on the status output: ${notices.length} (${[...new Set(notices.map((n) => n.replace(/\(.*$/, '').trim()))].join('; ')})`,
      ],
    },
    {
      title: `KACO: command 3 requests to the 3 silent inverters over ${Math.round(simulatedH * 60)} simulated minutes`,
      columns: ['cycles', 'command 3 cycles', 'requests to them', 'of which after learning (re-tries)', 're-try rate', 'without learning (0.1.0)'],
      rows: [[cycles.length, yieldCycles.length, toSilent, afterLearning, `1 per inverter per ${COMMAND_SUPPORT_DEFAULTS.retryEveryMs / 60000} min`, yieldCycles.length * SILENT_ON_3.length]],
      notes: ['without learning: every command 3 cycle asks each silent inverter again (and each costs 3.5 s of bus time)'],
    },
  ];
}
