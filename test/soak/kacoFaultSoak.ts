/**
 * The KACO side of the fault soak: command 0 requests through the real bus to the KACO
 * simulator (a standard xi and a generic TL3 inverter) on a pty or TCP, with 5 % of each KACO
 * fault: bad checksum, garbled, 0x00 glitches, a late frame landing in the next request's
 * window, a long pause inside the frame, no answer. Each answer must equal the simulator's state;
 * every failure must be a typed error.
 */
import { isDeepStrictEqual } from 'node:util';
import { Bus } from '../../lib/bus/bus';
import { ModbusException, ProtocolError, TransportError } from '../../lib/bus/errors';
import { FORMAT_8N1 } from '../../lib/bus/wireTiming';
import { KacoClient } from '../../lib/kaco/kacoClient';
import { KacoSim, type KacoFault, type KacoRequestRecord } from '../../lib/sim/kacoSim';
import { KACO_FAULTS } from '../../lib/sim/kacoFaults';
import { heapBytes } from './memory';
import { seededRandom } from './seededRandom';

export interface KacoSoakResult {
  transport: 'pty' | 'tcp';
  calls: number;
  ok: number;
  wrongValues: number;
  wrongExamples: string[];
  errors: Record<string, number>;
  untyped: string[];
  faults: Record<string, number>;
  /** requests that arrived while an earlier reply was due, other than one the client had given up on */
  overlaps: number;
  overlapExamples: string[];
  /** requests that arrived while a reply the client had given up on was due, that reply's call having injected the 'late' fault: the documented rule */
  afterGivingUp: number;
  /** the same, where no late frame was injected: the pty relay or a stall delayed the request past the timeout — a rig failure */
  rigLate: number;
  rigExamples: string[];
  /**
   * calls answered before their own reply was whole: they took another request's frame for their
   * answer (its values match: both inverters' readings stay the same all along). When that frame
   * was an earlier reply the simulator wrote later than it was due (this process stalled: the
   * simulator runs in it), it is counted as rig late; otherwise here — a bug, never excused.
   */
  notOwnReply: number;
  notOwnExamples: string[];
  /**
   * readings whose checked values came before the timeout and the type text after a long pause did
   * not (the client keeps the values, as it must: their checksum holds); only when the call
   * waited its whole timeout, otherwise they are wrong values
   */
  typeCutOff: number;
  memoryWarm: number;
  memoryEnd: number;
  seconds: number;
}

const ADDRESSES = [1, 2];
const TIMEOUT_MS = 150;
const LONG_PAUSE_MS = TIMEOUT_MS / 3;
/** a reply the simulator wrote later than this past its due time: this process stalled (the simulator shares its event loop) */
const RIG_LATE_MS = 10;

export async function runKacoFaultSoak(transport: 'pty' | 'tcp', calls: number, share: number, seed = 21): Promise<KacoSoakResult> {
  const random = seededRandom(seed);
  const sim = await KacoSim.start({
    endpoint: transport === 'pty' ? { transport: 'pty' } : { transport: 'tcp' },
    inverters: [{ address: 1 }, { address: 2, protocol: 'generic' }],
    latencyMs: [2, 10],
    baudRate: 115200,
    timeOfDay: () => 12.5,
    seed,
    longPauseMs: LONG_PAUSE_MS,
    // past the timeout: lands in the window of the next request (to the other inverter, or the same)
    lateMs: TIMEOUT_MS + 10,
  });
  const link = transport === 'pty' ? { kind: 'serial' as const, path: sim.clientPath as string, baudRate: 9600, format: FORMAT_8N1 } : { kind: 'tcp' as const, host: '127.0.0.1', port: sim.port as number, lineBaudRate: 9600 };
  const bus = new Bus(`kaco-soak-${transport}`, { link, framing: 'rtu', timeoutMs: 1000, pauseMs: 0, deadlineMs: 30000, trace: false });
  const result: KacoSoakResult = { transport, calls: 0, ok: 0, wrongValues: 0, wrongExamples: [], errors: {}, untyped: [], faults: {}, overlaps: 0, overlapExamples: [], afterGivingUp: 0, rigLate: 0, rigExamples: [], notOwnReply: 0, notOwnExamples: [], typeCutOff: 0, memoryWarm: 0, memoryEnd: 0, seconds: 0 };
  const expected = new Map(ADDRESSES.map((a) => [a, sim.snapshot(a).measurements]));
  const started = performance.now();
  const windows: CallWindow[] = [];
  const dropped = { count: 0 };
  try {
    bus.start();
    const openBy = Date.now() + 5000;
    while (bus.state !== 'open' && Date.now() < openBy) await new Promise((r) => setTimeout(r, 5));
    // asleep after many misses only: with 5 % no-answer, three in a row would put an inverter to sleep now and then
    const client = new KacoClient(bus, { owner: 'kaco-soak', timeoutMs: TIMEOUT_MS, pauseAfterMs: 20, missesToAsleep: 50, probeEveryMs: 1000 });
    for (let i = 0; i < calls; i++) {
      const address = ADDRESSES[i % ADDRESSES.length];
      const r = random();
      const k = Math.floor(r / share);
      const fault: KacoFault | undefined = k < KACO_FAULTS.length ? KACO_FAULTS[k] : undefined;
      if (fault) {
        sim.injectFault(fault, { address, count: 1 });
        result.faults[fault] = (result.faults[fault] ?? 0) + 1;
      }
      result.calls++;
      // each call puts exactly one request on the wire (no retries, never asleep with missesToAsleep 50): the next one the simulator records
      const call: CallWindow = { request: dropped.count + sim.requests.length, start: performance.now(), end: Infinity, ok: false };
      windows.push(call);
      if (windows.length > 8) windows.shift();
      try {
        const m = await client.readMeasurements(address);
        call.ok = true;
        const want = expected.get(address);
        if (isDeepStrictEqual(m.fields, want)) result.ok++;
        else if (typeCutOffAtTimeout(m.fields, want, performance.now() - call.start)) {
          result.typeCutOff++;
          call.gaveUp = true;
        } else {
          result.wrongValues++;
          if (result.wrongExamples.length < 5) result.wrongExamples.push(`inverter ${address} (fault ${fault ?? 'none'}): ${fieldDifferences(m.fields, expected.get(address))}`);
        }
      } catch (err) {
        const kind = err instanceof TransportError ? err.kind : err instanceof ModbusException ? 'exception' : err instanceof ProtocolError ? 'protocol' : undefined;
        if (kind === undefined) {
          if (result.untyped.length < 20) result.untyped.push(String((err as Error)?.stack ?? err));
          result.errors.untyped = (result.errors.untyped ?? 0) + 1;
        } else result.errors[kind] = (result.errors[kind] ?? 0) + 1;
        call.error = `${kind ?? 'untyped'}: ${String((err as Error)?.message ?? err).slice(0, 120)}`;
      }
      call.end = performance.now();
      if (call.ok && !call.gaveUp) judgeOwnReply(sim, result, call, address, dropped);
      if (i === Math.floor(calls / 10)) result.memoryWarm = heapBytes();
      foldRequests(sim, result, windows, dropped);
    }
    foldRequests(sim, result, windows, dropped);
  } finally {
    await bus.close();
    await sim.close();
  }
  result.seconds = (performance.now() - started) / 1000;
  result.memoryEnd = heapBytes();
  return result;
}

/** one client call: the index of its request among all the simulator recorded, when it started and ended, and whether it got its answer */
export interface CallWindow {
  request: number;
  start: number;
  end: number;
  ok: boolean;
  /** answered with the values but stopped waiting for the rest of the frame at the timeout */
  gaveUp?: boolean;
  /** how it failed, when it did (kind: message), for the report */
  error?: string;
  /** answered with another request's frame: 'rig' when the simulator wrote that frame late, else 'bug' */
  stray?: 'rig' | 'bug';
}

/** how much later than it was due the simulator wrote a reply's first bytes, ms */
function replyLateness(r: KacoRequestRecord): number {
  if (r.repliedAt === null || r.doneBy === null) return 0;
  const firstDue = r.fault === 'long-pause' ? r.doneBy - LONG_PAUSE_MS : r.doneBy;
  return r.repliedAt - firstDue;
}

/**
 * A call that ended before its own reply's last byte was due (same clock: the simulator runs in
 * this process) answered with another frame. The earlier reply to the same inverter that the
 * simulator wrote while the call was on the wire is that frame; it counts as the rig's when the
 * simulator wrote it more than RIG_LATE_MS after it was due.
 */
export function judgeOwnReply(sim: Pick<KacoSim, 'requests'>, result: KacoSoakResult, call: CallWindow, address: number, dropped: { count: number }): void {
  const index = call.request - dropped.count;
  const own = sim.requests[index];
  if (!own || own.address !== address) return; // the record of this call's request is not there: nothing to judge by
  if (own.doneBy !== null && call.end >= own.doneBy) return;
  let stray: KacoRequestRecord | undefined;
  for (let k = index - 1; k >= 0 && !stray; k--) {
    const r = sim.requests[k];
    if (r.address === address && r.repliedAt !== null && r.repliedAt >= call.start - 1) stray = r;
  }
  const late = stray ? replyLateness(stray) : 0;
  const what = `a call to ${address} (fault ${own.fault ?? 'none'}) answered after ${(call.end - call.start).toFixed(0)} ms, ${own.doneBy === null ? 'with no reply of its own due' : `${(own.doneBy - call.end).toFixed(1)} ms before its own reply was whole`}: ${stray ? `the frame of an earlier request to ${address} (fault ${stray.fault ?? 'none'}), written ${late.toFixed(1)} ms later than due` : 'no earlier frame found'}`;
  if (stray && late > RIG_LATE_MS) {
    call.stray = 'rig';
    result.rigLate++;
    if (result.rigExamples.length < 5) result.rigExamples.push(what);
  } else {
    call.stray = 'bug';
    result.notOwnReply++;
    if (result.notOwnExamples.length < 5) result.notOwnExamples.push(what);
  }
}

/**
 * Counts the requests that arrived while an earlier reply was still due. When the client had given
 * up on that earlier request (its call ended without an answer: the reply was due after the
 * timeout, by the 'late' fault or because the pty relay or a stall of this process delivered the
 * request late) and the call lasted the whole timeout, the client did what it must. Any other is
 * a request sent while an answer was still coming: a bug. Then forgets the records (memory).
 */
function foldRequests(sim: KacoSim, result: KacoSoakResult, calls: CallWindow[], dropped: { count: number }): void {
  const reqs = sim.requests;
  for (let i = 0; i < reqs.length; i++) {
    if (!reqs[i].overlap || counted.has(reqs[i])) continue;
    let j = -1;
    for (let k = Math.max(0, i - 3); k < i && j < 0; k++) if (reqs[k].doneBy !== null && (reqs[k].doneBy as number) > reqs[i].arrivedAt) j = k;
    const cause = j >= 0 ? reqs[j] : undefined;
    const causeCall = cause && calls.find((c) => c.request === dropped.count + j);
    if (causeCall && causeCall.end === Infinity) continue; // its call is still open: judge at the next fold
    counted.add(reqs[i]);
    if (causeCall?.stray === 'rig') {
      // the call before took a stalled simulator's late frame for its answer, so its own reply was still coming: counted there
      result.rigLate++;
      continue;
    }
    // less 1 ms: Node timers keep millisecond time and may fire up to 1 ms early by performance.now()
    if (causeCall && (!causeCall.ok || causeCall.gaveUp) && causeCall.end - causeCall.start >= TIMEOUT_MS - 1) {
      if (cause?.fault === 'late') result.afterGivingUp++;
      else {
        result.rigLate++;
        if (result.rigExamples.length < 5) result.rigExamples.push(`request to ${reqs[i].address} while the reply to ${cause?.address ?? '?'} (fault ${cause?.fault ?? 'none'}) was due until ${cause?.doneBy?.toFixed(1) ?? '?'}, its call gave up after ${(causeCall.end - causeCall.start).toFixed(0)} ms`);
      }
    } else {
      result.overlaps++;
      if (result.overlapExamples.length < 5) {
        // the frame before it on the line, and how the cause's call ended: what the client saw
        const before = j > 0 ? reqs[j - 1] : undefined;
        const ended = causeCall ? (causeCall.ok ? 'answered' : `failed (${causeCall.error ?? '?'})`) : '?';
        const prior = before && cause ? `; the request before it, to ${before.address}, fault ${before.fault ?? 'none'}, replied ${before.repliedAt === null ? 'never' : `${(before.repliedAt - cause.arrivedAt).toFixed(1)} ms after it arrived`}` : '';
        result.overlapExamples.push(
          `request to ${reqs[i].address} at ${reqs[i].arrivedAt.toFixed(1)} while the reply to ${cause?.address ?? '?'} (fault ${cause?.fault ?? 'none'}, its call ${ended} after ${causeCall ? (causeCall.end - causeCall.start).toFixed(0) : '?'} ms, its first bytes written ${cause && cause.repliedAt !== null ? (cause.repliedAt - cause.arrivedAt).toFixed(1) : '?'} ms after it arrived) was due until ${cause?.doneBy?.toFixed(1) ?? '?'}${prior}`,
        );
      }
    }
  }
  // keep the last few: a late reply may still be due
  if (reqs.length > 16) dropped.count += reqs.splice(0, reqs.length - 8).length;
}

const counted = new WeakSet<object>();

export function describeKacoSoak(r: KacoSoakResult): string {
  const list = (o: Record<string, number>): string =>
    Object.entries(o)
      .sort()
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
  return [
    `KACO ${r.transport}: ${r.calls} calls in ${r.seconds.toFixed(1)} s: ${r.ok} ok, ${r.wrongValues} wrong values, errors: ${list(r.errors)}`,
    `  faults injected: ${list(r.faults)}; type text cut off at the timeout ${r.typeCutOff}; requests while a late frame the client had given up on was due ${r.afterGivingUp}; rig late ${r.rigLate}${r.rigExamples.length > 0 ? ` (${r.rigExamples.join('; ')})` : ''}; other overlaps ${r.overlaps}${r.overlapExamples.length > 0 ? ` (${r.overlapExamples.join('; ')})` : ''}; answered with another request's frame ${r.notOwnReply}${r.notOwnExamples.length > 0 ? ` (${r.notOwnExamples.join('; ')})` : ''}; untyped ${r.untyped.length}`,
    `  memory after warm-up ${(r.memoryWarm / 2 ** 20).toFixed(1)} MB, at the end ${(r.memoryEnd / 2 ** 20).toFixed(1)} MB`,
  ].join('\n');
}

/** The values all there and right, only the type text missing, after a wait of the whole timeout. */
function typeCutOffAtTimeout(got: Record<string, unknown>, want: Record<string, unknown> | undefined, tookMs: number): boolean {
  if (!want || got.type !== undefined || want.type === undefined || tookMs < TIMEOUT_MS - 1) return false;
  const rest = { ...want };
  delete rest.type;
  return isDeepStrictEqual(got, rest);
}

/** The fields that differ, as "name: got … want …". */
function fieldDifferences(got: Record<string, unknown>, want: Record<string, unknown> | undefined): string {
  const names = [...new Set([...Object.keys(got), ...Object.keys(want ?? {})])];
  return names
    .filter((k) => !isDeepStrictEqual(got[k], want?.[k]))
    .map((k) => `${k}: got ${JSON.stringify(got[k])} want ${JSON.stringify(want?.[k])}`)
    .join('; ');
}
