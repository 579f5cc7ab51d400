/**
 * The arbiter's own overhead: Modbus reads through the bus against the simulator on a pty
 * pair, which answers after the modelled wire time; the limit is the same wire model summed
 * over the minimal transactions. ratio = measured / limit. The simulator runs in its own process
 * (lib/sim/slaveProcess.ts): in this one its reply timers competed with the code measured and were
 * late on a loaded machine, which counted against the ratio. Medians of several runs.
 */
import type { BenchSection } from './benchSection';
import { acquireBus, releaseBus } from '../lib/bus/busRegistry';
import { Priority } from '../lib/bus/priority';
import { FORMAT_8N1, rtuFrameBytes, transactionLimitMs } from '../lib/bus/wireTiming';
import { modbusClientFor } from '../lib/modbus/modbusClient';
import { median } from './measure';
import { startRemoteSlave } from '../lib/sim/remoteSlave';

const TURNAROUND_MS = 20;
const CYCLES = 25;
const RUNS = 3;

export async function run(): Promise<BenchSection[]> {
  const rows: (string | number)[][] = [];
  for (const baud of [9600, 19200]) {
    for (const count of [10, 92]) {
      for (const units of [1, 3]) {
        rows.push(await measure(baud, count, units));
      }
    }
  }
  return [
    {
      title: 'Bus: Modbus reads through the arbiter (pty, 8N1, 20 ms turnaround, simulator in its own process)',
      columns: ['baud', 'registers', 'units', 'measured cycle ms', 'wire limit ms', 'ratio', 'early requests', 'overlaps', 'simulator late ms/reply'],
      rows,
      notes: [
        `one cycle = one read of N registers from each unit; mean of ${CYCLES} cycles after two warm-up cycles, median of ${RUNS} runs`,
        'wire limit per read = (8 + 5 + 2N) characters + t3.5 before and after + turnaround (lib/bus/wireTiming.ts)',
        'early requests: requests whose first byte reached the simulator less than t3.5 after its previous reply',
        'simulator late: how much later than its wire model the simulator (in its own process) wrote each reply (median); it counts against the ratio — the rig\'s share, with socat relaying between the two ptys (see "where a transaction\'s time goes")',
      ],
    },
  ];
}

async function measure(baud: number, count: number, unitCount: number): Promise<(string | number)[]> {
  const runs: { cycle: number; early: number; overlaps: number; late: number }[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await measureOnce(baud, count, unitCount));
  const measured = median(runs.map((r) => r.cycle));
  const [req, rep] = rtuFrameBytes.readHolding(count);
  const limit = unitCount * transactionLimitMs(req, rep, baud, TURNAROUND_MS, FORMAT_8N1);
  const sum = (k: 'early' | 'overlaps'): number => runs.reduce((n, r) => n + r[k], 0);
  return [baud, count, unitCount, measured.toFixed(2), limit.toFixed(2), (measured / limit).toFixed(3), sum('early'), sum('overlaps'), median(runs.map((r) => r.late)).toFixed(2)];
}

async function measureOnce(baud: number, count: number, unitCount: number): Promise<{ cycle: number; early: number; overlaps: number; late: number }> {
  const units = [10, 11, 12].slice(0, unitCount);
  const sim = await startRemoteSlave({ model: 'bank', units, registers: 64 + count, baudRate: baud, turnaroundMs: TURNAROUND_MS, transport: 'pty' });
  const bus = acquireBus(
    { link: { kind: 'serial', path: sim.clientPath as string, baudRate: baud, format: FORMAT_8N1 }, framing: 'rtu', timeoutMs: 1000, pauseMs: 0, deadlineMs: 60000, trace: false },
    'bench',
  );
  const client = modbusClientFor(bus);
  const opts = { owner: 'bench', priority: Priority.Poll };
  const cycle = async (): Promise<void> => {
    for (const u of units) await client.readHoldingRegisters(u, 64, count, opts);
  };
  try {
    await cycle(); // warm-up: opens the port
    await cycle();
    sim.resetStats();
    const start = performance.now();
    for (let i = 0; i < CYCLES; i++) await cycle();
    const measured = (performance.now() - start) / CYCLES;
    const { records, overlaps, early } = await sim.records();
    const late = records.filter((r) => r.repliedAt !== null && r.dueAt !== null).map((r) => (r.repliedAt as number) - (r.dueAt as number));
    return { cycle: measured, early, overlaps, late: median(late) };
  } finally {
    await releaseBus(bus, 'bench');
    await sim.close();
  }
}
