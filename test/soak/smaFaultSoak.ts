/**
 * The SMA side of the fault soak: Data1Source reads through the real bus to three simulated
 * Sunny Boys on one SMA Data1 line (a socat pty or TCP), cycle after cycle (one CMD_SYN_ONLINE,
 * then CMD_GET_DATA to each), with a share of each smaData1Faults fault on the answers: no
 * answer, bad FCS, truncated, garbage. Strict: every reading equals the simulator's snapshot for
 * its serial (the three differ in every value that depends on power, and in their serial
 * channel); every read resolves, in a reading or a typed error, and fails only where a fault hit
 * its own request; no request reaches the line while an answer is due there.
 *
 * Where the rig itself stalls (the pty relay holding a request past a quarter of the response
 * time, an answer read or this process's event loop stalled past half of it: the answer's margin
 * within the response time is ~130 ms), the run proves nothing about the bus: it is counted as a
 * rig stall, and the test reports a rig failure, not a pass (as faultSoak.ts does).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { isDeepStrictEqual } from 'node:util';
import { Bus, createLink } from '../../lib/bus/bus';
import { ProtocolError, TransportError } from '../../lib/bus/errors';
import type { Link, LinkConfig } from '../../lib/bus/link';
import { FORMAT_8N1 } from '../../lib/bus/wireTiming';
import { DATA1_COMMANDS } from '../../lib/sma/data1Commands';
import { Data1Source } from '../../lib/sma/data1Source';
import type { Data1Timing } from '../../lib/sma/data1Timing';
import { SmaData1Sim, type SmaData1RequestRecord } from '../../lib/sim/smaData1Sim';
import { SMA_DATA1_FAULTS, type SmaData1Fault } from '../../lib/sim/smaData1Faults';
import { seededRandom } from './seededRandom';

export type SmaSoakTransport = 'pty' | 'tcp';

export interface SmaSoakResult {
  transport: SmaSoakTransport;
  calls: number;
  ok: number;
  wrongValues: number;
  wrongExamples: string[];
  /** error kind → count ('timeout', 'crc', 'truncated', 'protocol', 'untyped') */
  errors: Record<string, number>;
  untyped: string[];
  /** reads that had not settled within NEVER_MS */
  neverEnded: number;
  /** reads that failed although no fault hit any request of theirs */
  unexplained: number;
  unexplainedExamples: string[];
  /** faults the simulator committed, by kind */
  faults: Record<string, number>;
  /** requests on the line while an answer was due there (the simulator's record) */
  overlaps: number;
  overlapExamples: string[];
  /** requests the relay delivered more than RELAY_LIMIT response times after the bus wrote them */
  relayStalls: number;
  /** answers read more than DELIVERY_LIMIT response times after the simulator had them end */
  deliveryStalls: number;
  /** reads during which this process's event loop stalled more than DELIVERY_LIMIT response times at once */
  loopStalls: number;
  relayMaxMs: number;
  deliveryMaxMs: number;
  loopMaxMs: number;
  /** requests on the line (syncs and CMD_GET_DATA, channel lists) */
  requests: number;
  seconds: number;
  /** process CPU time (user + system) of the run, s; the simulator runs in this process too */
  cpuSeconds: number;
}

const SERIALS = [2000100001, 2000100002, 2000100003];
/** the line modelled: 19200 baud (a Sunny Boy Control line, YDOC) keeps the soak short; 1200 is the bench's */
const BAUD = 19200;
const RESPONSE_MS = 150;
const RELAY_LIMIT = 0.25;
const DELIVERY_LIMIT = 0.5;
const NEVER_MS = 20000;

/**
 * The protocol's waits shortened for the soak (never the wire time): a response time of 150 ms
 * and no re-attempt, so each read puts its requests on the line once and a fault is one failed
 * read; the sync wait 10 ms.
 */
const SOAK_TIMING: Partial<Data1Timing> = {
  getDataTimeoutMs: RESPONSE_MS,
  getDataRetries: 0,
  followUpTimeoutMs: RESPONSE_MS,
  followUpRetries: 0,
  channelInfoTimeoutMs: 1000,
  channelInfoRetries: 2,
  syncOnlineWaitMs: 10,
  // one CMD_SYN_ONLINE serves one cycle of three reads
  syncReuseMs: 150,
};

/** A link that notes when each frame was handed to the OS and when bytes came in (performance.now()). */
function timingLink(config: LinkConfig, log: { writes: number[] }): Link {
  const link = createLink(config);
  const write = link.write.bind(link);
  link.write = (data: Buffer) => {
    log.writes.push(performance.now());
    return write(data);
  };
  return link;
}

export async function runSmaFaultSoak(transport: SmaSoakTransport, calls: number, share: number, seed = 31): Promise<SmaSoakResult> {
  const random = seededRandom(seed);
  const sim = await SmaData1Sim.start({
    endpoint: transport === 'pty' ? { transport: 'pty' } : { transport: 'tcp' },
    devices: SERIALS.map((serial, i) => ({ serial, address: i + 1, ratedPowerW: 3000 + 1000 * i, totalBeforeTodayKWh: 20000 + 5000 * i })),
    baudRate: BAUD,
    latencyMs: [2, 10],
    timeOfDay: () => 12.5,
    seed,
  });
  const link: LinkConfig = transport === 'pty' ? { kind: 'serial', path: sim.clientPath as string, baudRate: BAUD, format: FORMAT_8N1 } : { kind: 'tcp', host: '127.0.0.1', port: sim.port as number, lineBaudRate: BAUD };
  const log = { writes: [] as number[] };
  const bus = new Bus(`sma-soak-${transport}`, { link, framing: 'rtu', timeoutMs: 1000, pauseMs: 0, deadlineMs: 30000, trace: false }, { linkFactory: (c) => timingLink(c, log) });
  const result: SmaSoakResult = {
    transport,
    calls: 0,
    ok: 0,
    wrongValues: 0,
    wrongExamples: [],
    errors: {},
    untyped: [],
    neverEnded: 0,
    unexplained: 0,
    unexplainedExamples: [],
    faults: {},
    overlaps: 0,
    overlapExamples: [],
    relayStalls: 0,
    deliveryStalls: 0,
    loopStalls: 0,
    relayMaxMs: 0,
    deliveryMaxMs: 0,
    loopMaxMs: 0,
    requests: 0,
    seconds: 0,
    cpuSeconds: 0,
  };
  const expected = new Map(SERIALS.map((serial) => [serial, sim.snapshot(serial).fields]));
  const started = performance.now();
  const cpu = process.cpuUsage();
  // asleep after many misses only: a few faults in a row must not put a device to sleep
  const sources = SERIALS.map((serial, i) => new Data1Source(bus, { owner: `sma-soak-${transport}`, serial, address: i + 1, timing: SOAK_TIMING, missesToAsleep: 50, probeEveryMs: 1000 }));
  // the records and writes already judged
  let judged = 0;
  const judge = (): void => {
    const records = sim.requests;
    for (; judged < records.length; judged++) {
      const r = records[judged];
      result.requests++;
      if (r.fault) result.faults[r.fault] = (result.faults[r.fault] ?? 0) + 1;
      const writtenAt = log.writes[judged];
      const relayMs = writtenAt === undefined ? 0 : r.arrivedAt - writtenAt;
      result.relayMaxMs = Math.max(result.relayMaxMs, relayMs);
      if (relayMs > RELAY_LIMIT * RESPONSE_MS) result.relayStalls++;
      if (r.overlap) {
        result.overlaps++;
        if (result.overlapExamples.length < 5) result.overlapExamples.push(`${describeRecord(r)} arrived ${r.arrivedAt.toFixed(1)} while the answer to ${describeRecord(records[judged - 1])} (fault ${records[judged - 1]?.fault ?? 'none'}) was due until ${records[judged - 1]?.schedule.at(-1)?.doneAt.toFixed(1) ?? '?'}`);
      }
    }
  };
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  try {
    bus.start();
    const openBy = Date.now() + 5000;
    while (bus.state !== 'open' && Date.now() < openBy) await new Promise((r) => setTimeout(r, 5));
    // channel lists first, without faults: the soak is about the spot values
    for (const s of sources) await s.read();
    judge();
    for (let i = 0; i < calls; i++) {
      const k = i % SERIALS.length;
      const serial = SERIALS[k];
      const pick = Math.floor(random() / share);
      const fault: SmaData1Fault | undefined = pick < SMA_DATA1_FAULTS.length ? SMA_DATA1_FAULTS[pick] : undefined;
      if (fault) sim.injectFault(fault, { serial, command: DATA1_COMMANDS.getData.code, count: 1 });
      result.calls++;
      const firstRecord = sim.requests.length;
      loop.reset();
      let timer: NodeJS.Timeout | undefined;
      const never = new Promise<'never'>((resolve) => (timer = setTimeout(() => resolve('never'), NEVER_MS)));
      const outcome = await Promise.race([sources[k].read().then((reading) => ({ reading }), (error: unknown) => ({ error })), never]);
      clearTimeout(timer);
      const endedAt = performance.now();
      const loopMs = loop.max / 1e6;
      result.loopMaxMs = Math.max(result.loopMaxMs, loopMs);
      if (loopMs > DELIVERY_LIMIT * RESPONSE_MS) result.loopStalls++;
      const mine = sim.requests.slice(firstRecord);
      if (outcome === 'never') {
        result.neverEnded++;
        break;
      }
      if ('reading' in outcome) {
        const want = expected.get(serial);
        if (outcome.reading.serial === serial && isDeepStrictEqual(outcome.reading.fields, want)) result.ok++;
        else {
          result.wrongValues++;
          if (result.wrongExamples.length < 5) result.wrongExamples.push(`device ${serial} (fault ${fault ?? 'none'}): serial ${outcome.reading.serial}; ${fieldDifferences(outcome.reading.fields, want)}`);
        }
        // the answer's last byte, as the simulator had it end, against when the read had it
        const answer = mine.filter((r) => r.command === DATA1_COMMANDS.getData.code).at(-1)?.schedule.at(-1);
        if (answer) {
          const late = endedAt - answer.doneAt;
          result.deliveryMaxMs = Math.max(result.deliveryMaxMs, late);
          if (late > DELIVERY_LIMIT * RESPONSE_MS) result.deliveryStalls++;
        }
      } else {
        const err = outcome.error;
        const kind = err instanceof TransportError ? err.kind : err instanceof ProtocolError ? 'protocol' : undefined;
        if (kind === undefined) {
          if (result.untyped.length < 20) result.untyped.push(String((err as Error)?.stack ?? err));
          result.errors.untyped = (result.errors.untyped ?? 0) + 1;
        } else result.errors[kind] = (result.errors[kind] ?? 0) + 1;
        if (!mine.some((r) => r.fault !== null)) {
          result.unexplained++;
          if (result.unexplainedExamples.length < 5) result.unexplainedExamples.push(`device ${serial}: ${(err as Error)?.message} (requests ${mine.map(describeRecord).join(', ') || 'none'})`);
        }
      }
      judge();
    }
    judge();
  } finally {
    loop.disable();
    for (const s of sources) await s.close();
    await bus.close();
    await sim.close();
  }
  result.seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  result.cpuSeconds = (used.user + used.system) / 1e6;
  return result;
}

function describeRecord(r: SmaData1RequestRecord | undefined): string {
  if (!r) return '?';
  return r.broadcast ? `broadcast cmd ${r.command}` : `cmd ${r.command} to ${r.destination}`;
}

/** The rig stalled: its timing is not the bus's, and the run proves nothing. */
export function smaRigStalls(r: SmaSoakResult): number {
  return r.relayStalls + r.deliveryStalls + r.loopStalls;
}

export function describeSmaSoak(r: SmaSoakResult): string {
  const list = (o: Record<string, number>): string =>
    Object.entries(o)
      .sort()
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
  return [
    `SMA Data1 ${r.transport}: ${r.calls} reads (${r.requests} requests) in ${r.seconds.toFixed(1)} s, ${r.cpuSeconds.toFixed(1)} s CPU: ${r.ok} ok, ${r.wrongValues} wrong values, errors: ${list(r.errors) || 'none'}`,
    `  faults committed: ${list(r.faults)}; failures without a fault ${r.unexplained} ${r.unexplainedExamples.join('; ')}; overlaps ${r.overlaps} ${r.overlapExamples.join('; ')}; never ended ${r.neverEnded}, untyped ${r.untyped.length}`,
    `  rig: relay stalls ${r.relayStalls} (largest ${r.relayMaxMs.toFixed(1)} ms, limit ${RELAY_LIMIT * RESPONSE_MS}), delivery stalls ${r.deliveryStalls} (largest ${r.deliveryMaxMs.toFixed(1)} ms), event-loop stalls ${r.loopStalls} (largest ${r.loopMaxMs.toFixed(1)} ms); limit ${DELIVERY_LIMIT * RESPONSE_MS} ms`,
  ].join('\n');
}

/** The fields that differ, as "name: got … want …". */
function fieldDifferences(got: Record<string, unknown>, want: Record<string, unknown> | undefined): string {
  const names = [...new Set([...Object.keys(got), ...Object.keys(want ?? {})])];
  return names
    .filter((k) => !isDeepStrictEqual(got[k], want?.[k]))
    .map((k) => `${k}: got ${JSON.stringify(got[k])} want ${JSON.stringify(want?.[k])}`)
    .join('; ');
}
