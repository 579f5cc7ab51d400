/**
 * The XW poll cycle as the bus grows: 1, 3 and 10 units at 9600, 19200 and 115200 baud, against
 * the wire limit of the same reads, over a pty pair (socat) and over RTU-over-TCP on loopback; with
 * the rig's own share per read (transport round trip + simulator lateness) taken out in a last
 * column, because at 115200 baud the socat relay alone is about 2 % of a read; and what a transaction costs this process (CPU time and heap)
 * per 1,000 transactions. The XW simulator runs in a child process (lib/sim/slaveProcess.ts), so its
 * reply timers do not compete with the code measured and its CPU time is not counted as ours.
 * Every figure is the median of several runs (other work shares this machine).
 */
import type { BenchSection } from './benchSection';
import { acquireBus, releaseBus } from '../lib/bus/busRegistry';
import { FORMAT_8N1, rtuFrameBytes, transactionLimitMs } from '../lib/bus/wireTiming';
import { modbusClientFor } from '../lib/modbus/modbusClient';
import { pollPlan, planOptionsForBus } from '../lib/xw/pollPlanner';
import { XW_STATUS_FIELDS } from '../lib/xw/registerTable';
import { SplitMemory } from '../lib/xw/unitSplits';
import { XwPoller } from '../lib/xw/xwPoller';
import { startRemoteSlave } from '../lib/sim/remoteSlave';
import { heapAfterGc, median } from './measure';
import { linkConfig, roundTrip, type Transport } from './transportRoundTrip';

const TURNAROUND_MS = 20;
const UNIT_COUNTS = [1, 3, 10];
const BAUDS = [9600, 19200, 115200];
const RUNS = 3;
/** wire time a run lasts, roughly */
const RUN_MS = 2500;

interface Run {
  cycleMs: number;
  transactions: number;
  cpuMsPerTx: number;
  early: number;
  overlaps: number;
  simLateMs: number;
}

async function measure(transport: Transport, units: number[], baud: number, cycles: number): Promise<Run> {
  const sim = await startRemoteSlave({ model: 'xw', units, baudRate: baud, turnaroundMs: TURNAROUND_MS, transport });
  const owner = `bench-xw-scale-${transport}-${baud}-${units.length}`;
  const bus = acquireBus({ link: linkConfig(transport, baud, sim), framing: 'rtu', timeoutMs: 1000, pauseMs: 0, deadlineMs: 60000, trace: false }, owner);
  try {
    const poller = new XwPoller(modbusClientFor(bus), {
      owner,
      units: units.map((unit) => ({ unit, name: `XW ${unit}` })),
      energyIntervalMs: 0,
      splits: new SplitMemory(),
      // planned as xw-poll plans: from the bus's own settings
      planOptions: planOptionsForBus(bus.settings),
    });
    await poller.cycle(); // opens the port, warms the code
    await poller.cycle();
    sim.resetStats();
    const cpu = process.cpuUsage();
    const start = performance.now();
    let transactions = 0;
    for (let i = 0; i < cycles; i++) {
      const res = await poller.cycle();
      if (!res.every((p) => p.ok)) throw new Error(`poll failed: ${res.map((p) => p.error).join('; ')}`);
      transactions += res.reduce((n, p) => n + p.transactions, 0);
    }
    const elapsed = performance.now() - start;
    const used = process.cpuUsage(cpu);
    const { records, overlaps, early } = await sim.records();
    const late = records.filter((r) => r.repliedAt !== null && r.dueAt !== null).map((r) => (r.repliedAt as number) - (r.dueAt as number));
    return { cycleMs: elapsed / cycles, transactions, cpuMsPerTx: (used.user + used.system) / 1000 / transactions, early, overlaps, simLateMs: median(late) };
  } finally {
    await releaseBus(bus, owner);
    await sim.close();
  }
}

function limitMs(unitCount: number, baud: number): { limit: number; plan: string; reads: number } {
  const plan = pollPlan(XW_STATUS_FIELDS, undefined, planOptionsForBus({ link: { kind: 'serial', path: '', baudRate: baud, format: FORMAT_8N1 }, pauseMs: 0 }));
  const perUnit = plan.reduce((n, read) => {
    const [req, rep] = rtuFrameBytes.readHolding(read.count);
    return n + transactionLimitMs(req, rep, baud, TURNAROUND_MS, FORMAT_8N1);
  }, 0);
  return { limit: unitCount * perUnit, plan: plan.map((p) => p.count).join(' + '), reads: unitCount * plan.length };
}

/**
 * A long run on a warm bus: heap after a full gc before and after ~2,000 transactions (what stays
 * per 1,000), and the CPU time they took — the steady state, without start-up and JIT warm-up.
 */
async function steadyState(): Promise<{ before: number; after: number; transactions: number; cpuMs: number }> {
  const units = [10, 11, 12];
  const sim = await startRemoteSlave({ model: 'xw', units, baudRate: 115200, turnaroundMs: 2, transport: 'pty' });
  const owner = 'bench-xw-memory';
  const bus = acquireBus({ link: { kind: 'serial', path: sim.clientPath as string, baudRate: 115200, format: FORMAT_8N1 }, framing: 'rtu', timeoutMs: 1000, pauseMs: 0, deadlineMs: 60000, trace: false }, owner);
  try {
    const poller = new XwPoller(modbusClientFor(bus), { owner, units: units.map((unit) => ({ unit, name: `XW ${unit}` })), energyIntervalMs: 0, splits: new SplitMemory() });
    let transactions = 0;
    const cycles = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) transactions += (await poller.cycle()).reduce((k, p) => k + p.transactions, 0);
    };
    await cycles(200); // warm-up: the bus's one-minute statistics window and the JIT fill up
    sim.resetStats();
    const before = heapAfterGc();
    transactions = 0;
    const cpu = process.cpuUsage();
    await cycles(350);
    const used = process.cpuUsage(cpu);
    const after = heapAfterGc();
    return { before, after, transactions, cpuMs: (used.user + used.system) / 1000 };
  } finally {
    await releaseBus(bus, owner);
    await sim.close();
  }
}

export async function run(): Promise<BenchSection[]> {
  const rows: (string | number)[][] = [];
  for (const transport of ['pty', 'tcp'] as const) {
    // one run thrown away: the first measured row would carry the JIT's warm-up of this transport's path in its CPU time
    await measure(transport, [10, 11, 12], 115200, 100);
    for (const baud of BAUDS) {
      const rig = await roundTrip(transport, baud);
      for (const count of UNIT_COUNTS) {
        const units = Array.from({ length: count }, (_, i) => 10 + i);
        const { limit, plan, reads } = limitMs(count, baud);
        const cycles = Math.max(3, Math.round(RUN_MS / limit));
        const runs: Run[] = [];
        for (let i = 0; i < RUNS; i++) runs.push(await measure(transport, units, baud, cycles));
        const cycle = median(runs.map((r) => r.cycleMs));
        const simLate = median(runs.map((r) => r.simLateMs));
        const rigPerRead = rig + simLate;
        rows.push([
          transport === 'pty' ? 'pty (socat)' : 'RTU over TCP',
          baud,
          count,
          `${count} × (${plan})`,
          cycle.toFixed(1),
          limit.toFixed(1),
          (cycle / limit).toFixed(3),
          runs.reduce((n, r) => n + r.early, 0),
          runs.reduce((n, r) => n + r.overlaps, 0),
          rigPerRead.toFixed(2),
          ((cycle - reads * rigPerRead) / limit).toFixed(3),
          (median(runs.map((r) => r.cpuMsPerTx)) * 1000).toFixed(0),
        ]);
      }
    }
  }
  const mem = await steadyState();
  const perThousand = ((mem.after - mem.before) / mem.transactions) * 1000;
  return [
    {
      title: 'XW: poll cycle of the status block vs the wire limit, 1 / 3 / 10 units (8N1, 20 ms turnaround, simulator in its own process)',
      columns: ['transport', 'baud', 'units', 'reads per cycle', 'measured cycle ms', 'wire limit ms', 'ratio', 'early requests', 'overlaps', 'rig ms per read', 'ratio without the rig', 'CPU ms per 1,000 tx'],
      rows,
      notes: [
        `median of ${RUNS} runs of about ${RUN_MS / 1000} s of wire time each; the plan is pollPlan() for XW_STATUS_FIELDS with planOptionsForBus(bus settings), as xw-poll plans: one read per unit (Operating Mode is read at start, after commands and every 60 s, not in these cycles)`,
        'before issue 16 (BENCHMARKS.md of 2026-11-21: 92 + 1 registers, two reads per unit): wire limit per cycle 826.3 / 473.1 / 196.2 ms for 3 units and 2754.2 / 1577.1 / 654.0 ms for 10 units at 9600 / 19200 / 115200; ratios 1.010–1.033 on the pty, 1.005–1.018 over TCP',
        'wire limit per read = (8 + 5 + 2N) characters + 2 × t3.5 + turnaround; goal ratio ≤ 1.02 with 0 early requests',
        'early requests: first byte at the simulator less than t3.5 after its previous reply (counted by the simulator, all runs)',
        'rig per read: the transport\'s own round trip (bench/transportRoundTrip.ts: serialport + socat + pty both ways, or a loopback socket) + how much later than its wire model the simulator wrote each reply (median); "ratio without the rig" = (cycle − reads × rig) / limit, the package\'s own share',
        'CPU: user + system time of this process (bus, Modbus client, serialport, poller, decoder) per transaction over these short runs (after one discarded run per transport that warms the JIT), the idle time of slow lines included; the steady state is in the next table',
      ],
    },
    {
      title: 'XW: steady state per 1,000 transactions (3 units polled back to back, 115200 baud, 2 ms turnaround, after 200 warm-up cycles)',
      columns: ['transactions', 'CPU ms per 1,000 tx', 'heap before MB', 'heap after MB', 'heap kept per 1,000 tx KB'],
      rows: [[mem.transactions, ((mem.cpuMs / mem.transactions) * 1000).toFixed(0), (mem.before / 2 ** 20).toFixed(2), (mem.after / 2 ** 20).toFixed(2), (perThousand / 1024).toFixed(1)]],
      notes: [
        'CPU: user + system time of this process (poller, decoder, bus, Modbus client, serialport and the kernel\'s pty work), the simulator excluded; goal ≤ 1,000 ms per 1,000 transactions',
        'heap = V8 heap used + external (Buffers) after two forced collections; the fault soak (npm run soak) checks the same over 100,000 transactions (< 10 MB)',
      ],
    },
  ];
}
