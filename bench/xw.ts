/**
 * XW figures against the wire limit, with the XW simulator on a pty pair answering after the
 * modelled wire time (lib/sim/wireModel.ts):
 * - a poll cycle of 3 units (status block, plan chosen by the planner) vs the wire time of the
 *   same minimal reads;
 * - a verified rest on 3 units vs (switch delay + wire time of the minimal transactions), and vs
 *   the old service's sequential write-then-verify-each-unit (bench/xwSequentialBaseline.ts);
 * - how long a command waits behind a saturating poll load, in transactions.
 */
import type { BenchSection } from './benchSection';
import { acquireBus, releaseBus } from '../lib/bus/busRegistry';
import type { Bus } from '../lib/bus/bus';
import { Priority } from '../lib/bus/priority';
import { FORMAT_8N1, rtuFrameBytes, transactionLimitMs } from '../lib/bus/wireTiming';
import { modbusClientFor } from '../lib/modbus/modbusClient';
import { startModbusSlave, type ModbusSlaveSim } from '../lib/sim/modbusSlave';
import { XwDevice } from '../lib/sim/xwDevice';
import { COMMANDS, confirmFields, stateFields } from '../lib/xw/commandTable';
import { pollPlan, planOptionsFor, planOptionsForBus, type PlannedRead } from '../lib/xw/pollPlanner';
import { percentile } from './measure';
import { XW_STATUS_FIELDS } from '../lib/xw/registerTable';
import { SplitMemory } from '../lib/xw/unitSplits';
import { UnitLocks } from '../lib/xw/unitLocks';
import { VerifiedWriter, writeGroups } from '../lib/xw/verifiedWriter';
import { XwPoller } from '../lib/xw/xwPoller';
import { sequentialRest } from './xwSequentialBaseline';

const TURNAROUND_MS = 20;
const SWITCH_DELAY_MS = 500;
const UNITS = [10, 11, 12];
const TARGETS = UNITS.map((unit) => ({ unit, name: `XW ${unit}` }));

interface Rig {
  sim: ModbusSlaveSim;
  device: XwDevice;
  bus: Bus;
  close(): Promise<void>;
}

async function rig(baud: number, switchDelayMs = SWITCH_DELAY_MS): Promise<Rig> {
  const device = new XwDevice(UNITS, { switchDelayMs });
  const sim = await startModbusSlave(device, { transport: 'pty' }, { baudRate: baud, turnaroundMs: TURNAROUND_MS });
  const bus = acquireBus(
    { link: { kind: 'serial', path: sim.clientPath as string, baudRate: baud, format: FORMAT_8N1 }, framing: 'rtu', timeoutMs: 1000, pauseMs: 0, deadlineMs: 60000, trace: false },
    'bench-xw',
  );
  return {
    sim,
    device,
    bus,
    async close() {
      await releaseBus(bus, 'bench-xw');
      await sim.close();
    },
  };
}

const readLimit = (r: { count: number }, baud: number): number => {
  const [req, rep] = rtuFrameBytes.readHolding(r.count);
  return transactionLimitMs(req, rep, baud, TURNAROUND_MS, FORMAT_8N1);
};
const writeLimit = (values: number, baud: number): number => {
  const [req, rep] = values === 1 ? rtuFrameBytes.writeSingle() : rtuFrameBytes.writeMultiple(values);
  return transactionLimitMs(req, rep, baud, TURNAROUND_MS, FORMAT_8N1);
};
const ms = (x: number): string => x.toFixed(1);

async function pollCycle(baud: number, cycles: number): Promise<(string | number)[]> {
  const r = await rig(baud);
  try {
    // planned as xw-poll plans: from the bus's own settings
    const planOptions = planOptionsForBus(r.bus.settings);
    const poller = new XwPoller(modbusClientFor(r.bus), { owner: 'bench-xw', units: TARGETS, energyIntervalMs: 0, splits: new SplitMemory(), planOptions });
    await poller.cycle(); // opens the port; reads Operating Mode (at start), as xw-poll's first cycle
    const start = performance.now();
    for (let i = 0; i < cycles; i++) {
      const res = await poller.cycle();
      if (!res.every((p) => p.ok)) throw new Error(`poll failed: ${res.map((p) => p.error).join('; ')}`);
    }
    const measured = (performance.now() - start) / cycles;
    const plan: PlannedRead[] = pollPlan(XW_STATUS_FIELDS, undefined, planOptions);
    const limit = UNITS.length * plan.reduce((n, read) => n + readLimit(read, baud), 0);
    return [baud, `${UNITS.length} × (${plan.map((p) => p.count).join(' + ')} regs)`, ms(measured), ms(limit), (measured / limit).toFixed(3)];
  } finally {
    await r.close();
  }
}

async function restBench(baud: number, reps: number): Promise<(string | number)[][]> {
  const r = await rig(baud);
  try {
    const client = modbusClientFor(r.bus);
    const planOptions = planOptionsFor(baud, TURNAROUND_MS);
    const writer = new VerifiedWriter({ client, splits: new SplitMemory(), locks: new UnitLocks(), planOptions });
    await client.readHoldingRegisters(10, 0x40, 1, { owner: 'bench-xw', priority: Priority.Poll }); // opens the port
    const charging = (): void => UNITS.forEach((u) => r.device.unit(u).setState({ charger: 1, sell: 1 }));
    const ours: number[] = [];
    const txs: number[] = [];
    for (let i = 0; i < reps; i++) {
      charging();
      const t0 = performance.now();
      const rep = await writer.run('rest', TARGETS, { owner: 'bench-xw', deadlineMs: 10000, verifyIntervalMs: 20 });
      ours.push(performance.now() - t0);
      txs.push(rep.transactions);
      if (!rep.ok) throw new Error(`rest not verified: ${rep.units.map((u) => u.reason).join('; ')}`);
    }
    const base: number[] = [];
    for (let i = 0; i < reps; i++) {
      charging();
      const t0 = performance.now();
      await sequentialRest(client, UNITS, 20);
      base.push(performance.now() - t0);
    }
    // the minimal transactions: read each unit's state, write both enables, one read that verifies
    const spec = COMMANDS.rest;
    const firstRead = pollPlan(stateFields(spec), undefined, planOptions);
    const verifyRead = pollPlan(confirmFields(spec), undefined, planOptions);
    const perUnit =
      firstRead.reduce((n, x) => n + readLimit(x, baud), 0) +
      writeGroups(spec.writes).reduce((n, g) => n + writeLimit(g.values.length, baud), 0) +
      verifyRead.reduce((n, x) => n + readLimit(x, baud), 0);
    const limit = SWITCH_DELAY_MS + UNITS.length * perUnit;
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const minimalTx = UNITS.length * (firstRead.length + writeGroups(spec.writes).length + verifyRead.length);
    return [
      [baud, 'verified rest (this package)', ms(mean(ours)), ms(limit), (mean(ours) / limit).toFixed(3), `${Math.round(mean(txs))} (minimal ${minimalTx})`],
      [baud, 'sequential write-then-verify (old service)', ms(mean(base)), ms(limit), (mean(base) / limit).toFixed(3), '—'],
    ];
  } finally {
    await r.close();
  }
}

/** A command arriving under a saturating poll load: how long until its first transaction starts. */
async function commandWait(baud: number, samples: number): Promise<(string | number)[]> {
  const r = await rig(baud, 30);
  const client = modbusClientFor(r.bus);
  const writer = new VerifiedWriter({ client, splits: new SplitMemory(), locks: new UnitLocks() });
  let loading = true;
  const outstanding = new Set<Promise<unknown>>();
  const pollOne = (u: number): void => {
    if (!loading) return;
    const p = client.readHoldingRegisters(u, 0x40, 92, { owner: 'load', priority: Priority.Poll, deadlineMs: 60000 }).then(
      () => pollOne(u),
      () => undefined,
    );
    outstanding.add(p);
    void p.finally(() => outstanding.delete(p));
  };
  try {
    await client.readHoldingRegisters(10, 0x40, 1, { owner: 'bench-xw', priority: Priority.Poll });
    // three readers per unit keep 6–9 poll reads queued at all times
    for (let k = 0; k < 3; k++) UNITS.forEach(pollOne);
    const waitsTx: number[] = [];
    const overtaken: number[] = [];
    for (let i = 0; i < samples; i++) {
      // arrive at a random point of a poll transaction
      await new Promise((res) => setTimeout(res, 40 + Math.random() * 150));
      const before = r.sim.requests.length;
      const sentAt = performance.now();
      const command = i % 2 === 0 ? 'start-sell' : 'stop-sell';
      const rep = await writer.run(command, [TARGETS[0]], { owner: 'bench-cmd', deadlineMs: 10000 });
      if (!rep.ok) throw new Error(`${command} failed: ${rep.units[0].reason}`);
      const after = r.sim.requests.slice(before);
      const first = after.findIndex((q) => q.unit === 10 && q.address === 0x49 && q.count === 1);
      const firstAt = after[first].firstByteAt;
      const pollTx = readLimit({ count: 92 }, baud);
      waitsTx.push((firstAt - sentAt) / pollTx);
      // poll reads that started on the wire after the command arrived and before its first read
      overtaken.push(after.slice(0, first).filter((q) => q.firstByteAt > sentAt && q.count === 92).length);
    }
    return [baud, samples, percentile(waitsTx, 50).toFixed(2), percentile(waitsTx, 99).toFixed(2), Math.max(...waitsTx).toFixed(2), Math.max(...overtaken)];
  } finally {
    loading = false;
    await r.close();
    await Promise.allSettled([...outstanding]);
  }
}

export async function run(): Promise<BenchSection[]> {
  const poll = [await pollCycle(9600, 8), await pollCycle(19200, 15)];
  const rest = [...(await restBench(9600, 3)), ...(await restBench(19200, 3))];
  // 100 samples: with 30, the 99th percentile is the single worst one
  const wait = [await commandWait(19200, 100)];
  return [
    {
      title: 'XW: poll cycle of 3 units, status block (pty, 8N1, 20 ms turnaround)',
      columns: ['baud', 'plan (chosen by the planner)', 'measured cycle ms', 'wire limit ms', 'ratio'],
      rows: poll,
      notes: [
        'fields: the status block the xw-poll node reads every cycle (XW_STATUS_FIELDS, one read per unit; Operating Mode is read at start, after commands and every 60 s, not in these cycles); the plan is pollPlan() with planOptionsForBus(bus settings), as xw-poll plans',
        'wire limit = sum over those reads of (8 + 5 + 2N) characters + 2 × t3.5 + turnaround; goal ratio ≤ 1.02',
        'before issue 16 (two reads per unit, 92 + 1 registers; loaded machine): 856.0 / 826.3 ms (1.036) at 9600, 486.4 / 473.1 ms (1.028) at 19200',
      ],
    },
    {
      title: `XW: rest on 3 units, all charging and selling (switch delay ${SWITCH_DELAY_MS} ms)`,
      columns: ['baud', 'method', 'measured ms', 'limit ms', 'ratio', 'transactions'],
      rows: rest,
      notes: [
        'limit = switch delay + wire time of the minimal transactions: per unit the state read (charger/sell enabled, Operating Mode), the two enable writes (function 6; registers 354 and 356 are not adjacent), one verifying read',
        'this package: each unit\'s state read, then its writes at once (only the registers not already right), then its own re-reads every 20 ms until its status confirms; goal ratio ≤ 1.2',
        'before issue 16 (loaded machine, from BENCHMARKS.md of 2026-11-21): 1070.8 ms (0.921) at 9600, 925.6 ms (0.943) at 19200',
        'baseline (bench/ only): the old service\'s stopCharge() then stopSell(), unit by unit, each write re-read every 20 ms until it shows',
      ],
    },
    {
      title: 'XW: command wait under a saturating poll load (3 units, 92-register poll reads queued non-stop)',
      columns: ['baud', 'commands', 'wait p50 (transactions)', 'wait p99 (transactions)', 'wait max (transactions)', 'poll reads started before the command (max)'],
      rows: wait,
      notes: [
        'wait = time from the command\'s submission to its first read reaching the unit, in units of one 92-register poll transaction\'s wire time; goal p99 ≤ 1 (only the transaction already on the wire)',
        'for scale (issue 3): the general Node-RED Modbus package at its best settings made a stop-charge wait 9.4 s behind 74 queued poll reads',
      ],
    },
  ];
}
