/**
 * The arbiter's own overhead: Modbus reads through the bus against the simulator on a pty
 * pair, which answers after the modelled wire time; the limit is the same wire model summed
 * over the minimal transactions. ratio = measured / limit.
 */
import type { BenchSection } from './benchSection';
import { acquireBus, releaseBus } from '../lib/bus/busRegistry';
import { Priority } from '../lib/bus/priority';
import { FORMAT_8N1, rtuFrameBytes, transactionLimitMs } from '../lib/bus/wireTiming';
import { modbusClientFor } from '../lib/modbus/modbusClient';
import { startModbusSlave } from '../lib/sim/modbusSlave';
import { RegisterBank } from '../lib/sim/registerBank';

const TURNAROUND_MS = 20;
const CYCLES = 25;

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
      title: 'Bus: Modbus reads through the arbiter (pty, 8N1, 20 ms turnaround)',
      columns: ['baud', 'registers', 'units', 'measured cycle ms', 'wire limit ms', 'ratio', 'early requests', 'overlaps', 'simulator late ms/reply'],
      rows,
      notes: [
        `one cycle = one read of N registers from each unit; mean of ${CYCLES} cycles after one warm-up cycle`,
        'wire limit per read = (8 + 5 + 2N) characters + t3.5 before and after + turnaround (lib/bus/wireTiming.ts)',
        'early requests: requests whose first byte reached the simulator less than t3.5 after its previous reply',
        'simulator late: how much later than its wire model the simulator wrote each reply (mean); it counts against the ratio, so a loaded machine reads worse',
      ],
    },
  ];
}

async function measure(baud: number, count: number, unitCount: number): Promise<(string | number)[]> {
  const units = [10, 11, 12].slice(0, unitCount);
  const bank = new RegisterBank();
  for (const u of units) bank.setRange(u, 64, Array.from({ length: count }, (_, i) => i));
  const sim = await startModbusSlave(bank, { transport: 'pty' }, { baudRate: baud, turnaroundMs: TURNAROUND_MS });
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
    sim.resetStats();
    const start = performance.now();
    for (let i = 0; i < CYCLES; i++) await cycle();
    const measured = (performance.now() - start) / CYCLES;
    const [req, rep] = rtuFrameBytes.readHolding(count);
    const limit = unitCount * transactionLimitMs(req, rep, baud, TURNAROUND_MS, FORMAT_8N1);
    const replies = sim.requests.filter((r) => r.repliedAt !== null && r.dueAt !== null);
    const late = replies.reduce((sum, r) => sum + ((r.repliedAt as number) - (r.dueAt as number)), 0) / Math.max(1, replies.length);
    return [baud, count, unitCount, measured.toFixed(2), limit.toFixed(2), (measured / limit).toFixed(3), sim.earlyRequests, sim.overlaps, late.toFixed(2)];
  } finally {
    await releaseBus(bus, 'bench');
    await sim.close();
  }
}
