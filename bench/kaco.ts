/**
 * KACO reading against its physical limit. A cycle over 3 and over 32 simulated inverters on a
 * pty pair (the simulator answers after its turnaround, drawn from 50–300 ms, plus the 9600-baud
 * wire time of request and reply); the limit is the sum of those reply times and KACO's pauses.
 * Then the cost of an asleep inverter: requests it gets per hour, on an accelerated clock.
 */
import type { BenchSection } from './benchSection';
import { Bus } from '../lib/bus/bus';
import { preciseDelay } from '../lib/time/preciseDelay';
import type { Scheduler, TimerHandle } from '../lib/time/scheduler';
import { FORMAT_8N1 } from '../lib/bus/wireTiming';
import { KacoClient } from '../lib/kaco/kacoClient';
import { KacoPoller, type CycleSummary } from '../lib/kaco/kacoPoller';
import { KacoSim } from '../lib/sim/kacoSim';

const LATENCY: [number, number] = [50, 300];

export async function run(): Promise<BenchSection[]> {
  const rows: (string | number)[][] = [];
  for (const count of [3, 32]) {
    for (const pauseMs of [1000, 0]) rows.push(await cycleRow(count, pauseMs, count === 3 ? 3 : 1));
  }
  const asleep = await asleepCost();
  return [
    {
      title: 'KACO: one cycle of command 0 over N inverters (pty, 9600 8N1, turnaround 50–300 ms)',
      columns: ['inverters', 'pause ms', 'cycles', 'measured cycle ms', 'reply times + pauses ms', 'ratio', 'per inverter ms', 'overlaps'],
      rows,
      notes: [
        'limit = Σ over the cycle\'s requests of (turnaround drawn by the simulator + request and reply bytes at 9600 baud + t3.5) + (N − 1) pauses',
        'measured = the poller\'s cycle: from the first request queued to the last reply decoded (one request at a time on the bus)',
        'pause 1000 ms is KACO\'s (the default); pause 0 shows the overhead of the arbiter and codec alone',
        'the old logger waited a fixed 0.7 s after each of its 2 requests per inverter (1.4 s/inverter, and truncated replies later than that)',
        'overlaps: requests that reached the simulator while a reply was pending (must be 0)',
      ],
    },
    {
      title: 'KACO: what an asleep inverter costs (3 inverters, 1 silent, 10 s interval, accelerated clock)',
      columns: ['simulated time', 'requests to the silent inverter', 'of which after it fell asleep', 'probes per hour', 'requests to the others', 'cycles with both others ok', 'old logger: requests to it per hour'],
      rows: [asleep],
      notes: [
        'asleep after 3 misses, probed once a minute (the defaults): the probe is the first request after the minute is up, so at a 10 s interval probes come every 60–70 s; between probes an asleep inverter fails at submit and takes no bus time',
        `clock, timers, line speed, turnaround, timeout and pause all ${SCALE}× faster (one scheduler, lib/time/scheduler.ts, drives the bus, the client and the poller): one simulated hour in ${SIM_HOUR_MS / SCALE / 1000} s; probes are counted, not timed`,
        'at KACO timings each probe of a silent inverter holds the bus for 2.5 s timeout + 1 s pause: 60 probes/h ≈ 3.5 min of bus time per hour',
        'old logger: 2 requests every 10 s cycle (360 cycles/h), and its exception stopped the other inverters being read',
      ],
    },
  ];
}

async function cycleRow(count: number, pauseMs: number, cycles: number): Promise<(string | number)[]> {
  const addresses = Array.from({ length: count }, (_, i) => i + 1);
  const sim = await KacoSim.start({ endpoint: { transport: 'pty' }, inverters: addresses.map((address, i) => ({ address, protocol: i % 3 === 2 ? 'generic' : 'standard' })), latencyMs: LATENCY, timeOfDay: () => 12, seed: count });
  const bus = new Bus('bench-kaco', { link: { kind: 'serial', path: sim.clientPath as string, baudRate: 9600, format: FORMAT_8N1 }, framing: 'rtu', timeoutMs: 1000, pauseMs: 0, deadlineMs: 600000, trace: false });
  bus.start();
  const client = new KacoClient(bus, { owner: 'bench', pauseAfterMs: pauseMs });
  const summaries: CycleSummary[] = [];
  const poller = new KacoPoller({ targets: addresses.map((address) => ({ id: `i${address}`, address, name: `${address}`, client })), intervalMs: 0, yieldEvery: 0, onResult: () => undefined, onCycle: (s) => summaries.push(s) });
  try {
    await client.readType(1); // opens the port
    await new Promise((r) => setTimeout(r, pauseMs));
    let measured = 0;
    let limit = 0;
    for (let k = 0; k < cycles; k++) {
      const first = sim.requests.length;
      const s = await poller.trigger();
      if (s.ok !== count) throw new Error(`bench cycle read ${s.ok} of ${count} inverters`);
      measured += s.durationMs;
      const replies = sim.requests.slice(first);
      limit += replies.reduce((sum, r) => sum + r.turnaroundMs + r.wireMs, 0) + (count - 1) * pauseMs;
      await new Promise((r) => setTimeout(r, pauseMs));
    }
    measured /= cycles;
    limit /= cycles;
    return [count, pauseMs, cycles, measured.toFixed(0), limit.toFixed(0), (measured / limit).toFixed(3), (measured / count).toFixed(0), sim.overlaps];
  } finally {
    await poller.stop();
    await bus.close();
    await sim.close();
  }
}

export const SCALE = 60;
const SIM_HOUR_MS = 3_600_000;

/**
 * Time running SCALE× faster, one scheduler for the bus, the KACO client and the poller: every
 * duration they are given is in simulated ms (the sim's line speed and latencies are scaled to match).
 */
export function acceleratedTime(): Scheduler {
  const t0 = performance.now();
  const now = (): number => (performance.now() - t0) * SCALE;
  const wall0 = Date.now();
  return {
    now,
    wallNow: () => wall0 + now(),
    setTimeout: (fn, ms) => setTimeout(fn, ms / SCALE) as unknown as TimerHandle,
    clearTimeout: (h) => clearTimeout(h as unknown as NodeJS.Timeout | undefined),
    delay: (ms, signal) => preciseDelay(ms / SCALE, signal),
  };
}

async function asleepCost(): Promise<(string | number)[]> {
  const sim = await KacoSim.start({ endpoint: { transport: 'tcp' }, inverters: [{ address: 1 }, { address: 2 }, { address: 3, protocol: 'generic' }], latencyMs: [50 / SCALE, 300 / SCALE], baudRate: 9600 * SCALE, timeOfDay: () => 12 });
  sim.injectFault('no-answer', { address: 2 });
  const time = acceleratedTime();
  const bus = new Bus('bench-kaco-asleep', { link: { kind: 'tcp', host: '127.0.0.1', port: sim.port as number, lineBaudRate: 9600 }, framing: 'rtu', timeoutMs: 1000, pauseMs: 0, deadlineMs: 600000, trace: false }, { scheduler: time });
  bus.start();
  const client = new KacoClient(bus, { owner: 'bench', timeoutMs: 2500, pauseAfterMs: 1000, missesToAsleep: 3, probeEveryMs: 60000 });
  const summaries: CycleSummary[] = [];
  const statuses: string[] = [];
  const poller = new KacoPoller({
    targets: [1, 2, 3].map((address) => ({ id: `i${address}`, address, name: `${address}`, client })),
    intervalMs: 10000,
    yieldEvery: 0,
    onResult: (r) => {
      if (r.address === 2) statuses.push(r.status);
      // an awake inverter missing at these accelerated timings is worth seeing
      else if (r.status !== 'ok') process.stderr.write(`bench kaco: inverter ${r.address} ${r.status}: ${r.errorMessage}\n`);
    },
    onCycle: (s) => summaries.push(s),
    scheduler: time,
  });
  try {
    await new Promise<void>((resolve) => {
      const wait = (): void => void (bus.state === 'open' ? resolve() : setTimeout(wait, 5));
      wait();
    });
    poller.start();
    await new Promise((r) => setTimeout(r, SIM_HOUR_MS / SCALE));
    await poller.stop();
    const toSilent = sim.requests.filter((r) => r.address === 2).length;
    const misses = statuses.indexOf('asleep') >= 0 ? 3 : toSilent;
    const afterAsleep = toSilent - misses;
    const others = sim.requests.filter((r) => r.address !== 2).length;
    const othersOk = summaries.filter((s) => s.ok === 2).length;
    return ['1 h', toSilent, afterAsleep, afterAsleep, `${others} in ${summaries.length} cycles`, `${othersOk} of ${summaries.length}`, 2 * (SIM_HOUR_MS / 10000)];
  } finally {
    await poller.stop();
    await bus.close();
    await sim.close();
  }
}
