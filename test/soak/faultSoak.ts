/**
 * The fault soak: Modbus transactions through the real bus (serialport on a socat pty, or a TCP
 * socket) against the slave simulator in its own process (as a device is: in this one its timers
 * and its serialport I/O would compete with the code under test and answer late), with a share of
 * every fault injected — the device's own (no answer, bad CRC, truncated, slow, exception reply)
 * in the simulator, the line's (garbled, late frame) on the link. Several sources at once, like several nodes on one bus: closed-loop
 * pollers, a command writer, a background reader, and a flood of coalescable polls faster than
 * the bus. Every call is accounted for: a correct value, or a typed error; anything else is a
 * failure the result lists.
 */
import type { Bus } from '../../lib/bus/bus';
import { createLink } from '../../lib/bus/bus';
import { acquireBus, releaseBus } from '../../lib/bus/busRegistry';
import type { BusSettings } from '../../lib/bus/busSettings';
import { ModbusException, ProtocolError, TransportError } from '../../lib/bus/errors';
import type { Link } from '../../lib/bus/link';
import { Priority } from '../../lib/bus/priority';
import { FORMAT_8N1 } from '../../lib/bus/wireTiming';
import { modbusClientFor, type ModbusCallOptions } from '../../lib/modbus/modbusClient';
import { NoisyLink } from '../../lib/sim/lineNoise';
import type { ModbusFault, RequestRecord } from '../../lib/sim/modbusSlave';
import { startRemoteSlave, type RemoteSlave } from '../../lib/sim/remoteSlave';
import { rtuCrcOk } from '../../lib/sim/rtuRequestReader';
import { heapBytes } from './memory';
import { RelayMatcher, WriteLoggingLink } from './writeLog';
import { seededRandom } from './seededRandom';

export type SoakTransport = 'pty' | 'tcp-rtu' | 'modbus-tcp';

export interface FaultSoakOptions {
  transport: SoakTransport;
  /** calls to make (each ends in a value or an error) */
  transactions: number;
  /** share of requests hit by each fault; 0.05 = 5 % each */
  faultShare: number;
  baudRate?: number;
  timeoutMs?: number;
  seed?: number;
  /** progress lines (full soak) */
  log?: (line: string) => void;
}

export interface FaultSoakResult {
  transport: SoakTransport;
  calls: number;
  ok: number;
  /** calls that resolved with values other than the registers hold */
  wrongValues: number;
  wrongExamples: string[];
  /**
   * for each wrong value (the first 20), the request whose reply it was — the values name their
   * unit and address — with that request's relay delay and how long after the bus's write the
   * simulator answered it, so each is tied to its own rig timing, not to the run's
   */
  wrongOrigins: string[];
  /**
   * calls answered with the registers of a reply the line noise garbled whose CRC still held (a
   * CRC-16 collision): the link delivered exactly those bytes for that request, so the value was
   * made on the line, not taken from another request; no RTU master can tell such a frame from a
   * good one. Counted apart from wrong values, never as one of them.
   */
  noiseCollisions: number;
  noiseExamples: string[];
  /** typed errors by kind (TransportError kind, exception_<code>, protocol) */
  errors: Record<string, number>;
  /** errors that were not TransportError / ModbusException / ProtocolError */
  untyped: string[];
  /** calls that had not ended 60 s after the last was made */
  neverEnded: number;
  /** requests that reached the simulator */
  wireRequests: number;
  /** faults committed, by kind (simulator and line) */
  faults: Record<string, number>;
  overlaps: number;
  /** the first few overlapping requests, for the report */
  overlapExamples: string[];
  /**
   * replies the simulator wrote later than the client's late-reply rule protects against: more
   * than 1.25 timeouts after their request arrived (the line guard keeps the line quiet until 1.5
   * timeouts after the write; a quarter timeout is left for the request's and the reply's
   * transit). The process stalled (CPU starved, a GC pause); a device that late is beyond the
   * documented rule, so the run proves nothing. Any later reply than that is a rig failure; any
   * earlier one is the bus's to handle, and every invariant holds for it.
   */
  simulatorStalls: number;
  /**
   * requests the rig held before the simulator read them: more than a quarter timeout from the
   * bus's write (the bytes with the OS) to their arrival, on one clock (test/soak/writeLog.ts).
   * The late-reply rule counts from the write; a request the relay (socat, the loopback, a starved
   * simulator process) delays moves its reply past the rule just as a late simulator does, and the
   * simulator cannot see it. Also a rig failure; with it, a reply the simulator wrote more than
   * 1.25 timeouts after the bus's write counts as a stall even when it left the simulator in time.
   */
  relayStalls: number;
  /** the largest such relay delay, ms */
  relayMaxMs: number;
  /** simulator records on an RTU line that no write of the bus matched (the relay check is blind to them) */
  relayUnmatched: number;
  earlyRequests: number;
  maxQueue: number;
  /** heap + external after gc, at warm-up and at the end, bytes */
  memoryWarm: number;
  memoryEnd: number;
  seconds: number;
  /** process CPU time (user + system) per call, ms; the simulator runs in this process too */
  cpuMsPerCall: number;
}

const UNITS = [10, 11, 12];
const MAPPED = 200;
const SIM_FAULTS: ModbusFault[] = ['no-answer', 'bad-crc', 'truncated', 'slow', 'exception'];

function registerValue(unit: number, address: number): number {
  return (unit * 256 + address) & 0xffff;
}

/** replies later than this many timeouts after their request arrived are beyond the late-reply rule (see simulatorStalls) */
const RIG_LATE_LIMIT = 1.25;
/** a request the rig delays more than this many timeouts between the bus's write and the simulator (see relayStalls) */
const RELAY_LATE_LIMIT = 0.25;

function settingsFor(transport: SoakTransport, sim: RemoteSlave, baudRate: number, timeoutMs: number): BusSettings {
  const common = { timeoutMs, pauseMs: 0, deadlineMs: 5000, trace: false };
  if (transport === 'pty') return { link: { kind: 'serial', path: sim.clientPath as string, baudRate, format: FORMAT_8N1 }, framing: 'rtu', ...common };
  return { link: { kind: 'tcp', host: '127.0.0.1', port: sim.port as number, lineBaudRate: baudRate }, framing: transport === 'tcp-rtu' ? 'rtu' : 'modbus-tcp', ...common };
}

export async function runFaultSoak(options: FaultSoakOptions): Promise<FaultSoakResult> {
  const baudRate = options.baudRate ?? 115200;
  const timeoutMs = options.timeoutMs ?? 50;
  const random = seededRandom(options.seed ?? 7);
  const share = options.faultShare;
  const log = options.log ?? (() => undefined);
  const sim = await startRemoteSlave({
    model: 'bank',
    units: UNITS,
    registers: MAPPED,
    values: 'unit-address',
    baudRate,
    turnaroundMs: 1,
    slowMs: timeoutMs * 0.5,
    seed: (options.seed ?? 7) + 1,
    transport: options.transport === 'pty' ? 'pty' : 'tcp',
    framing: options.transport === 'modbus-tcp' ? 'modbus-tcp' : 'rtu',
  });
  // The rules fire in order, each on its share of what the earlier ones left: s / (1 - s·k) gives each fault s of all requests.
  SIM_FAULTS.forEach((fault, k) => sim.injectFault(fault, { probability: share / (1 - share * k) }));
  const lineFaults = options.transport !== 'modbus-tcp';
  let noisy: NoisyLink | undefined;
  let relay: RelayMatcher | undefined;
  const linkFactory = (config: Parameters<typeof createLink>[0]): Link => {
    // Modbus TCP carries transaction ids (a late reply cannot be taken for another) and frames on the socket itself
    if (!lineFaults) return createLink(config);
    const inner = new WriteLoggingLink(createLink(config));
    relay = new RelayMatcher(inner.writes);
    noisy = new NoisyLink(inner, {
      garbled: share,
      late: share,
      // past the timeout by up to 25 % of it: into the gap, or (without the bus's late-reply guard) into the next exchange
      lateMs: () => timeoutMs * (1 + 0.25 * random()),
      lateLimitMs: timeoutMs * 1.45,
      random,
    });
    return noisy;
  };
  const owner = `soak-${options.transport}`;
  const bus: Bus = acquireBus(settingsFor(options.transport, sim, baudRate, timeoutMs), owner, { linkFactory });
  bus.setUnitPolicy('modbus:', { missesToUnreachable: 5, backoffInitialMs: 100, backoffMaxMs: 1000 });
  const client = modbusClientFor(bus);

  const result: FaultSoakResult = {
    transport: options.transport,
    calls: 0,
    ok: 0,
    wrongValues: 0,
    wrongExamples: [],
    wrongOrigins: [],
    noiseCollisions: 0,
    noiseExamples: [],
    errors: {},
    untyped: [],
    neverEnded: 0,
    wireRequests: 0,
    faults: {},
    overlaps: 0,
    overlapExamples: [],
    simulatorStalls: 0,
    relayStalls: 0,
    relayMaxMs: 0,
    relayUnmatched: 0,
    earlyRequests: 0,
    maxQueue: 0,
    memoryWarm: 0,
    memoryEnd: 0,
    seconds: 0,
    cpuMsPerCall: 0,
  };
  // wrong values waiting to be tied to the request whose reply they were, and the last records seen
  const wrongPending: WrongValue[] = [];
  const recent: FoldedRecord[] = [];
  // the simulator's records, brought over and forgotten there every so often
  let previous: RequestRecord | undefined;
  let folding: Promise<void> | undefined;
  const foldSim = (): Promise<void> =>
    (folding ??= sim
      .drain()
      .then(({ records, overlaps, early }) => {
        result.overlaps = overlaps;
        result.earlyRequests = early;
        result.wireRequests += records.length;
        for (const r of records) {
          if (r.fault) result.faults[r.fault] = (result.faults[r.fault] ?? 0) + 1;
          const writtenAt = relay?.match(r).writtenAt;
          if (relay && writtenAt === undefined) result.relayUnmatched++;
          const relayMs = writtenAt === undefined ? 0 : r.arrivedAt - writtenAt;
          result.relayMaxMs = Math.max(result.relayMaxMs, relayMs);
          recent.push({ record: r, writtenAt });
          if (recent.length > RECENT_RECORDS) recent.shift();
          if (relayMs > RELAY_LATE_LIMIT * timeoutMs) result.relayStalls++;
          else if (r.repliedAt !== null && r.repliedAt - (writtenAt ?? r.arrivedAt) > RIG_LATE_LIMIT * timeoutMs) result.simulatorStalls++;
          if (r.overlap && result.overlapExamples.length < 5) {
            const late = typeof previous?.repliedAt === 'number' && typeof previous.dueAt === 'number' ? (previous.repliedAt - previous.dueAt).toFixed(1) : '?';
            result.overlapExamples.push(`unit ${r.unit} fn ${r.functionCode} arrived ${(r.arrivedAt - (previous?.arrivedAt ?? 0)).toFixed(1)} ms after the previous request (fault ${previous?.fault ?? 'none'}, its reply ${late} ms late)`);
          }
          previous = r;
        }
        relay?.forgetMatched();
        tieWrongValues(wrongPending, recent, result, timeoutMs, false);
      })
      .finally(() => (folding = undefined)));

  let issued = 0;
  let settled = 0;
  const outstanding = new Set<Promise<string>>();
  /** resolves with the error kind, or 'ok' */
  const account = (promise: Promise<number[] | void>, expected: number[] | null, what: string, unit?: number): Promise<string> => {
    result.calls++;
    const tracked = promise.then(
      (values): string => {
        const wrong = expected !== null && JSON.stringify(values) !== JSON.stringify(expected);
        if (wrong && noisy && unit !== undefined && Array.isArray(values) && madeByLineNoise(noisy.garbledReplies(), unit, values)) {
          result.noiseCollisions++;
          if (result.noiseExamples.length < 5) result.noiseExamples.push(`${what}: got ${JSON.stringify(values).slice(0, 60)}`);
        } else if (wrong) {
          result.wrongValues++;
          if (result.wrongExamples.length < 5) result.wrongExamples.push(`${what}: got ${JSON.stringify(values)?.slice(0, 60)}`);
          if (Array.isArray(values) && values.length > 0) wrongPending.push({ what, detectedAt: performance.now(), unit: values[0] >> 8, address: values[0] & 0xff, count: values.length });
        } else result.ok++;
        return 'ok';
      },
      (err: unknown): string => {
        const kind =
          err instanceof TransportError ? err.kind : err instanceof ModbusException ? `exception_${err.code}` : err instanceof ProtocolError ? 'protocol' : undefined;
        if (kind === undefined) {
          if (result.untyped.length < 20) result.untyped.push(`${what}: ${String((err as Error)?.stack ?? err)}`);
          result.errors.untyped = (result.errors.untyped ?? 0) + 1;
        } else result.errors[kind] = (result.errors[kind] ?? 0) + 1;
        return kind ?? 'untyped';
      },
    );
    const done = tracked.finally(() => {
      settled++;
      outstanding.delete(done);
    });
    outstanding.add(done);
    return done;
  };

  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const read = (priority: Priority, count: number, extra: Partial<ModbusCallOptions> = {}, address?: number): Promise<string> => {
    const unit = pick(UNITS);
    const at = address ?? Math.floor(random() * (MAPPED - count));
    const expected = at + count <= MAPPED ? Array.from({ length: count }, (_, i) => registerValue(unit, at + i)) : null;
    return account(client.readHoldingRegisters(unit, at, count, { owner, priority, ...extra }), expected, `read ${unit}/${at}/${count}`, unit);
  };
  const write = (): Promise<string> => {
    const unit = pick(UNITS);
    const at = Math.floor(random() * (MAPPED - 4));
    // the registers keep their values, so every read stays checkable
    const call =
      random() < 0.5
        ? client.writeRegister(unit, at, registerValue(unit, at), { owner, priority: Priority.Command, retries: 1, deadlineMs: 1000 })
        : client.writeRegisters(unit, at, [0, 1, 2, 3].map((i) => registerValue(unit, at + i)), { owner, priority: Priority.Command, retries: 1, deadlineMs: 1000 });
    return account(call, null, `write ${unit}/${at}`);
  };

  const take = (): boolean => {
    if (issued >= options.transactions) return false;
    issued++;
    return true;
  };
  // A source whose unit is marked unreachable is refused at once; like a poll node, it waits for its next turn.
  const loop = async (step: () => Promise<string>): Promise<void> => {
    while (take()) if ((await step()) === 'unreachable') await sleep(20);
  };
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

  // Wait for the link, then measure.
  const openBy = Date.now() + 10000;
  while (bus.state !== 'open' && Date.now() < openBy) await sleep(10);
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  const queueSampler = setInterval(() => {
    result.maxQueue = Math.max(result.maxQueue, bus.counters().queueLength);
  }, 10);
  const drainer = setInterval(() => void foldSim(), 2000);
  let warmed = false;
  const warmAt = Math.max(200, Math.floor(options.transactions / 10));
  let nextLog = 0;
  const progress = setInterval(() => {
    if (!warmed && settled >= warmAt) {
      warmed = true;
      result.memoryWarm = heapBytes();
    }
    if (settled >= nextLog) {
      nextLog += Math.max(1000, Math.floor(options.transactions / 20));
      log(`${options.transport}: ${settled}/${options.transactions} ended, ${((performance.now() - started) / 1000).toFixed(0)} s, queue max ${result.maxQueue}, heap ${(heapBytes(false) / 2 ** 20).toFixed(1)} MB`);
    }
  }, 250);

  const flood = async (): Promise<void> => {
    // polls every 2 ms, faster than the bus, a tenth of all calls all along the run: coalescing keeps the queue from growing
    let flooded = 0;
    while (issued < options.transactions) {
      if (flooded * 10 < issued && take()) {
        flooded++;
        void read(Priority.Poll, 8, { coalesce: true, deadlineMs: 500 }, 100 + 8 * Math.floor(random() * 3));
      }
      await sleep(2);
    }
  };
  try {
    await Promise.all([
      loop(() => read(Priority.Poll, 10, { coalesce: true })),
      loop(() => read(Priority.Poll, 50, { deadlineMs: 2000 })),
      loop(() => read(Priority.Poll, 1 + Math.floor(random() * 3), {}, MAPPED + 10)), // unmapped: exception 2 from the device
      loop(() => write()),
      loop(() => read(Priority.Background, 20, { deadlineMs: 1000, retries: 1 })),
      loop(() => read(Priority.Critical, 2, { deadlineMs: 300 })),
      flood(),
    ]);
    const until = Date.now() + 60000;
    while (outstanding.size > 0 && Date.now() < until) await sleep(20);
    result.neverEnded = outstanding.size;
  } finally {
    clearInterval(queueSampler);
    clearInterval(drainer);
    clearInterval(progress);
    const cpu = process.cpuUsage(cpuStart);
    result.seconds = (performance.now() - started) / 1000;
    result.cpuMsPerCall = (cpu.user + cpu.system) / 1000 / Math.max(1, result.calls);
    await foldSim().catch(() => undefined);
    await foldSim().catch(() => undefined);
    tieWrongValues(wrongPending, recent, result, timeoutMs, true);
    if (noisy) {
      result.faults.garbled = noisy.counts.garbled;
      result.faults.late = noisy.counts.late;
      result.faults['late (dropped: the machine stalled past 1.45 × timeout)'] = noisy.counts.lateDropped;
    }
    await releaseBus(bus, owner);
    await sim.close();
  }
  result.memoryEnd = heapBytes();
  if (!warmed) result.memoryWarm = result.memoryEnd;
  return result;
}

/** records kept for tying a wrong value to its request (a few seconds of traffic at 115200 baud) */
const RECENT_RECORDS = 4000;

export interface WrongValue {
  what: string;
  detectedAt: number;
  /** the request the values belong to (registerValue: unit × 256 + address) */
  unit: number;
  address: number;
  count: number;
  /** the latest record of that request before the wrong value was seen */
  found?: FoldedRecord;
}

export interface FoldedRecord {
  record: RequestRecord;
  /** when the bus wrote it (test/soak/writeLog.ts), on this process's clock */
  writtenAt: number | undefined;
}

/**
 * Ties each wrong value to the request whose reply it was: the latest simulator record of that
 * unit, address and count that arrived before the wrong value was seen. A value is settled once a
 * record that arrived after it has been folded (no earlier one can come), or at the end.
 */
export function tieWrongValues(pending: WrongValue[], recent: FoldedRecord[], result: FaultSoakResult, timeoutMs: number, final: boolean): void {
  const lastArrived = recent.length > 0 ? recent[recent.length - 1].record.arrivedAt : Number.NEGATIVE_INFINITY;
  for (const w of [...pending]) {
    for (let i = recent.length - 1; i >= 0; i--) {
      const { record } = recent[i];
      if (record.arrivedAt > w.detectedAt) continue;
      if (record.unit === w.unit && record.functionCode === 3 && record.address === w.address && record.count === w.count) {
        if (!w.found || record.arrivedAt > w.found.record.arrivedAt) w.found = recent[i];
        break;
      }
    }
    if (!final && lastArrived <= w.detectedAt) continue;
    pending.splice(pending.indexOf(w), 1);
    if (result.wrongOrigins.length >= 20) continue;
    const f = w.found;
    if (!f) {
      result.wrongOrigins.push(`${w.what}: the reply of read ${w.unit}/${w.address}/${w.count}, whose request the simulator's records no longer hold`);
      continue;
    }
    const from = f.writtenAt ?? f.record.arrivedAt;
    const relay = f.writtenAt === undefined ? 'no write matched' : `relay ${(f.record.arrivedAt - f.writtenAt).toFixed(1)} ms`;
    const replied = f.record.repliedAt === null ? 'never answered' : `answered ${(f.record.repliedAt - from).toFixed(1)} ms after the write (${((f.record.repliedAt - from) / timeoutMs).toFixed(2)} timeouts)`;
    result.wrongOrigins.push(`${w.what}: the reply of read ${w.unit}/${w.address}/${w.count} written ${(w.detectedAt - from).toFixed(1)} ms before, ${relay}, ${replied}, fault ${f.record.fault ?? 'none'}`);
  }
}

/**
 * The values are those of a garbled reply the noisy link delivered: a read-holding-registers
 * frame from this unit, its byte count and CRC intact, holding exactly these registers.
 */
export function madeByLineNoise(garbled: readonly Buffer[], unit: number, values: readonly number[]): boolean {
  const length = 3 + 2 * values.length + 2;
  return garbled.some((frame) => {
    if (frame.length < length || frame[0] !== unit || frame[1] !== 3 || frame[2] !== 2 * values.length) return false;
    if (!rtuCrcOk(frame.subarray(0, length))) return false;
    return values.every((v, i) => frame.readUInt16BE(3 + 2 * i) === v);
  });
}

/** the times the rig itself was later than the late-reply rule covers: the run proves nothing about the bus */
export function rigStalls(r: FaultSoakResult): number {
  return r.simulatorStalls + r.relayStalls;
}

export function describeSoak(r: FaultSoakResult): string {
  const errs = Object.entries(r.errors)
    .sort()
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const faults = Object.entries(r.faults)
    .sort()
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  return [
    `${r.transport}: ${r.calls} calls in ${r.seconds.toFixed(1)} s (${r.wireRequests} on the wire): ${r.ok} ok, ${r.wrongValues} wrong values, errors: ${errs}`,
    `  faults injected: ${faults}`,
    `  line noise's CRC collisions (garbled replies whose CRC held) ${r.noiseCollisions}${r.noiseExamples.length > 0 ? ` (${r.noiseExamples.join('; ')})` : ''}`,
    ...r.wrongOrigins.map((o) => `  wrong value: ${o}`),
    `  simulator stalls ${r.simulatorStalls}, relay stalls ${r.relayStalls} (largest relay delay ${r.relayMaxMs.toFixed(1)} ms, records unmatched ${r.relayUnmatched}), overlaps ${r.overlaps} ${r.overlapExamples.join('; ')}, early ${r.earlyRequests}, max queue ${r.maxQueue}, never ended ${r.neverEnded}, untyped ${r.untyped.length}`,
    `  memory after warm-up ${(r.memoryWarm / 2 ** 20).toFixed(1)} MB, at the end ${(r.memoryEnd / 2 ** 20).toFixed(1)} MB; process CPU ${r.cpuMsPerCall.toFixed(3)} ms per call of this soak (every soak running beside it and the simulators included)`,
  ].join('\n');
}
