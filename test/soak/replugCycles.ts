/**
 * Unplug / replug cycles: the socat pair behind a serial bus is torn down and recreated while a
 * poller keeps reading, optionally with the adapter's name renumbered under a glob
 * (<dir>/ttyUSB0, then ttyUSB1, … with the bus configured as <dir>/ttyUSB*), as USB adapters do.
 * Each cycle measures how long after the port came back the first read succeeded, against the
 * reconnect backoff that was running.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLink, type Bus } from '../../lib/bus/bus';
import type { Link, LinkConfig } from '../../lib/bus/link';
import { acquireBus, releaseBus } from '../../lib/bus/busRegistry';
import { Priority } from '../../lib/bus/priority';
import { FORMAT_8N1 } from '../../lib/bus/wireTiming';
import { modbusClientFor } from '../../lib/modbus/modbusClient';
import { startModbusSlave } from '../../lib/sim/modbusSlave';
import { RegisterBank } from '../../lib/sim/registerBank';
import { seededRandom } from './seededRandom';

/** The bus's reopen backoff (lib/bus/bus.ts, docs/ARCHITECTURE.md "Link loss"): 250 ms doubling to 10 s. */
const REOPEN_INITIAL_MS = 250;
const REOPEN_MAX_MS = 10000;

export interface ReplugCycle {
  /** the device name the bus found after the replug (glob runs: ttyUSB<n>) */
  device: string;
  downMs: number;
  /** from the replug to the first successful read */
  recoveredMs: number;
  /** the reconnect backoff interval running when the port came back (between the bus's open attempts around it) */
  backoffMs: number;
  /** open attempts after the replug that failed, with why */
  failedAfterReplug: string[];
}

export interface ReplugReport {
  cycles: ReplugCycle[];
  /** every message seen: state details and request errors */
  messages: string[];
  readsOk: number;
  readsFailed: number;
}

/** The reopen interval in progress `sinceLossMs` after the link was lost (the bus's schedule, without timer drift). */
export function backoffInterval(sinceLossMs: number): number {
  let start = 0;
  let interval = REOPEN_INITIAL_MS;
  while (start + interval <= sinceLossMs) {
    start += interval;
    interval = Math.min(REOPEN_MAX_MS, interval * 2);
  }
  return interval;
}

interface OpenAttempt {
  at: number;
  error?: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

export async function runReplugCycles(options: { cycles: number; glob: boolean; seed?: number }): Promise<ReplugReport> {
  const random = seededRandom(options.seed ?? 3);
  const sim = await startModbusSlave(new RegisterBank({ 10: { 0: 7, 1: 8 } }), { transport: 'pty' }, { baudRate: 19200, turnaroundMs: 1 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'solar-bus-usb-'));
  let number = 0;
  const adapter = (): string => path.join(dir, `ttyUSB${number}`);
  if (options.glob) fs.symlinkSync(sim.clientPath as string, adapter());
  const configured = options.glob ? path.join(dir, 'ttyUSB*') : (sim.clientPath as string);
  const owner = `replug-${options.glob ? 'glob' : 'pty'}`;
  const report: ReplugReport = { cycles: [], messages: [], readsOk: 0, readsFailed: 0 };
  let bus: Bus | undefined;
  let lostAt = 0;
  let lastOk = 0;
  let stop = false;
  const attempts: OpenAttempt[] = [];
  const note = (m: string): void => {
    if (report.messages.length < 5000) report.messages.push(m);
  };
  try {
    // every open attempt of the bus, timed, so the backoff running at a replug is the real one (timers drift)
    const linkFactory = (config: LinkConfig): Link => {
      const link = createLink(config);
      const open = link.open.bind(link);
      link.open = async () => {
        const attempt: OpenAttempt = { at: performance.now() };
        attempts.push(attempt);
        try {
          await open();
        } catch (err) {
          attempt.error = (err as Error).message;
          throw err;
        }
      };
      return link;
    };
    bus = acquireBus({ link: { kind: 'serial', path: configured, baudRate: 19200, format: FORMAT_8N1 }, framing: 'rtu', timeoutMs: 100, pauseMs: 0, deadlineMs: 300, trace: false }, owner, { linkFactory });
    const b = bus;
    b.on('state', (state: string, detail: string) => {
      if (state === 'reconnecting' && lostAt === 0) lostAt = performance.now();
      if (detail) note(`${state}: ${detail}`);
    });
    const client = modbusClientFor(b);
    const poller = (async () => {
      while (!stop) {
        try {
          await client.readHoldingRegisters(10, 0, 2, { owner, priority: Priority.Poll });
          report.readsOk++;
          lastOk = performance.now();
        } catch (err) {
          report.readsFailed++;
          note((err as Error).message);
          await sleep(10);
        }
        await sleep(10);
      }
    })();
    await until(() => lastOk > 0, 10000, 'the first read');
    for (let i = 0; i < options.cycles; i++) {
      lostAt = 0;
      await sim.unplug();
      if (options.glob) fs.rmSync(adapter(), { force: true });
      await until(() => lostAt > 0, 5000, `cycle ${i}: the bus noticing the unplug`);
      const downMs = 100 + Math.floor(random() * 900);
      await sleep(downMs);
      await sim.replug();
      if (options.glob) {
        number++;
        fs.symlinkSync(sim.clientPath as string, adapter());
      }
      const replugAt = performance.now();
      await until(() => lastOk > replugAt, 20000, `cycle ${i}: a read after the replug`);
      // the interval the bus was waiting out when the port came back: from its last attempt before
      // the replug to its first after (by its schedule if it reopened from a timer already due)
      const before = attempts.filter((a) => a.at <= replugAt).pop();
      const after = attempts.find((a) => a.at > replugAt);
      const backoffMs = before && after ? after.at - before.at : backoffInterval(replugAt - lostAt);
      const failedAfterReplug = attempts.filter((a) => a.at > replugAt && a.error).map((a) => `+${(a.at - replugAt).toFixed(0)} ms: ${a.error}`);
      report.cycles.push({ device: b.link.description, downMs, recoveredMs: lastOk - replugAt, backoffMs, failedAfterReplug });
      attempts.length = 0;
    }
    stop = true;
    await poller;
  } finally {
    stop = true;
    if (bus) await releaseBus(bus, owner);
    await sim.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return report;
}
