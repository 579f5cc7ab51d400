import type { BusRequest, TransactionContext } from '../bus/request';
import type { UnitPolicy } from '../bus/unitHealth';
import { Priority } from '../bus/priority';
import { ConfigError, ProtocolError, TransportError } from '../bus/errors';
import type { KacoCommand } from './commands';
import { FrameExtractor, type ExtractorOutcome, type ReplyExpectation } from './frameExtractor';
import type { FieldValues, KacoReply, YieldReply } from './frames';
import { frameMarks, type FrameMarks } from './frameMarks';
import { buildRequest, kacoUnit } from './request';
import { combineSubInverters } from './subInverters';

/** What the client needs of a bus (lib/bus/bus.ts Bus has it). */
export interface KacoBus {
  submit<T>(request: BusRequest<T>): Promise<T>;
  isUnreachable(unit: string): boolean;
  setUnitPolicy(prefix: string, policy: Partial<UnitPolicy>): void;
}

export interface KacoClientOptions {
  /** who asks (node id), for the arbiter */
  owner: string;
  /** response time per request: KACO inverters take 50 ms to 2 s to start, and may pause inside a frame */
  timeoutMs?: number;
  /** silence after every request: back-to-back requests garble the next one on a KACO bus */
  pauseAfterMs?: number;
  /** re-attempts after a checksum error or a truncated frame */
  retries?: number;
  /** unanswered requests in a row before an inverter counts as asleep */
  missesToAsleep?: number;
  /** how often an asleep inverter is probed */
  probeEveryMs?: number;
  /** set when the owner stops: requests still to be sent end at once instead of taking the wire */
  signal?: AbortSignal;
  /** set the bus's policy for each inverter asked (asleep after misses, probe interval) unless setSleepPolicy did; false for a one-off scan */
  manageSleep?: boolean;
}

export const KACO_CLIENT_DEFAULTS = {
  timeoutMs: 2500,
  pauseAfterMs: 1000,
  retries: 0,
  missesToAsleep: 3,
  probeEveryMs: 60000,
  manageSleep: true,
} as const;

export interface RequestOptions {
  priority?: Priority;
  /** queue deadline, ms */
  deadlineMs?: number;
  /** goes on the wire even while the inverter is marked asleep (a scan) */
  probe?: boolean;
}

export type MeasurementFamily = 'standard' | 'generic' | 'standard000xi';

export interface KacoMeasurement {
  address: number;
  family: MeasurementFamily;
  fields: FieldValues;
  /** the command 0 frame's header and check as sent (not for series 000xi) */
  frame?: FrameMarks;
}

/** When an inverter counts as asleep and how often it is probed then: the inverter's own. */
export interface SleepPolicy {
  missesToAsleep: number;
  probeEveryMs: number;
}

/** A response timer firing this much late shows a stalled process, not a silent line. */
const STALL_MS = 5;
/** How long a stalled process looks again for bytes the OS already holds (a thread-pool read and a poll phase). */
const STALL_GRACE_MS = 25;

/**
 * KACO requests as bus transactions: one request, the reply cut from the bytes that follow it,
 * then KACO's pause. An inverter that misses `missesToAsleep` answers in a row is marked
 * unreachable by the bus (reported as asleep) and probed once per `probeEveryMs`; the first
 * answer wakes it.
 */
export class KacoClient {
  readonly options: Required<Omit<KacoClientOptions, 'signal'>> & { signal?: AbortSignal };
  /** series 000xi inverters found, read by their sub-inverters from then on */
  private readonly families = new Map<number, MeasurementFamily>();
  /** addresses whose sleep policy is set on the bus */
  private readonly policySet = new Set<number>();

  constructor(
    readonly bus: KacoBus,
    options: KacoClientOptions,
  ) {
    this.options = { ...KACO_CLIENT_DEFAULTS, ...stripUndefined(options), owner: options.owner };
    const o = this.options;
    // the node asks for at least 100 ms; 10 lets a benchmark run KACO's timings on an accelerated clock
    if (!(o.timeoutMs >= 10 && o.timeoutMs <= 60000)) throw new ConfigError(`response timeout must be 10–60000 ms, got ${o.timeoutMs}`);
    if (!(o.pauseAfterMs >= 0 && o.pauseAfterMs <= 60000)) throw new ConfigError(`pause must be 0–60000 ms, got ${o.pauseAfterMs}`);
    if (!(Number.isInteger(o.missesToAsleep) && o.missesToAsleep >= 1)) throw new ConfigError(`misses before asleep must be a whole number >= 1, got ${o.missesToAsleep}`);
  }

  /**
   * The inverter's sleep policy on the bus, for its unit only (`kaco:<address>`): a policy for the
   * whole `kaco:` prefix would let the last reader deployed set it for every inverter on the bus.
   * (The bus matches units by prefix, so `kaco:3` would also cover `kaco:30`–`kaco:32`; each
   * inverter read sets its own, and the longest prefix wins.)
   */
  setSleepPolicy(address: number, policy: SleepPolicy): void {
    if (!(Number.isInteger(policy.missesToAsleep) && policy.missesToAsleep >= 1)) throw new ConfigError(`misses before asleep must be a whole number >= 1, got ${policy.missesToAsleep}`);
    if (!(policy.probeEveryMs > 0)) throw new ConfigError(`probe interval must be > 0 ms, got ${policy.probeEveryMs}`);
    this.bus.setUnitPolicy(kacoUnit(address), { missesToUnreachable: policy.missesToAsleep, backoffInitialMs: policy.probeEveryMs, backoffMaxMs: policy.probeEveryMs, backoffFactor: 1 });
    this.policySet.add(address);
  }

  /** Marked asleep: missed its answers and waiting for the next probe. */
  isAsleep(address: number): boolean {
    return this.bus.isUnreachable(kacoUnit(address));
  }

  /** Command 0; on a series 000xi, commands 1–3 for its three sub-inverters. */
  async readMeasurements(address: number, opts: RequestOptions = {}): Promise<KacoMeasurement> {
    if (this.families.get(address) === 'standard000xi') return this.readSubInverters(address, opts);
    const reply = await this.request(address, '0', opts);
    switch (reply.shape) {
      case 'family000xi':
        this.families.set(address, 'standard000xi');
        return this.readSubInverters(address, opts);
      case 'standard':
      case 'generic':
        this.families.set(address, reply.shape);
        return { address, family: reply.shape, fields: reply.fields, frame: frameMarks(reply) };
      default:
        throw new ProtocolError(`inverter ${address} answered command 0 with a ${reply.shape} reply`, reply.raw);
    }
  }

  /** Command 3: peak power, yield counters (Wh) and hour counters. Series 000xi use 3 for a sub-inverter instead. */
  async readYield(address: number, opts: RequestOptions = {}): Promise<YieldReply> {
    if (this.families.get(address) === 'standard000xi') throw new ConfigError(`inverter ${address} is a series 000xi: command 3 reads its third sub-inverter, not its yield`);
    const reply = await this.request(address, '3', { priority: Priority.Background, ...opts });
    if (reply.shape !== 'yield') throw new ProtocolError(`inverter ${address} answered command 3 with a ${reply.shape} reply`, reply.raw);
    return reply;
  }

  /** Command 9: the type the inverter names itself. */
  async readType(address: number, opts: RequestOptions = {}): Promise<string> {
    const reply = await this.request(address, '9', { priority: Priority.Background, ...opts });
    if (reply.shape !== 'type') throw new ProtocolError(`inverter ${address} answered command 9 with a ${reply.shape} reply`, reply.raw);
    return reply.type;
  }

  /** One request and its reply as a bus transaction. Bad input throws before anything is queued. */
  request(address: number, command: KacoCommand, opts: RequestOptions = {}, subInverter = false): Promise<KacoReply> {
    const bytes = buildRequest(address, command);
    if (this.options.manageSleep && !this.policySet.has(address)) this.setSleepPolicy(address, this.options);
    const expect: ReplyExpectation = { address, command, subInverter };
    const unit = kacoUnit(address);
    return this.bus.submit<KacoReply>({
      owner: this.options.owner,
      // the reader's stop: what is still queued ends as cancelled and never takes the wire
      signal: this.options.signal,
      unit,
      priority: opts.priority ?? Priority.Poll,
      deadlineMs: opts.deadlineMs,
      probe: opts.probe,
      timeoutMs: this.options.timeoutMs,
      pauseAfterMs: this.options.pauseAfterMs,
      // a frame refused before its end (the early refusal below) may still be arriving, its tail
      // after a pause inside it: the line stays quiet for the rest of the response window, as if
      // the request had timed out (found by the KACO fault soak: the next request met that tail)
      lateReplyGuardMs: this.options.timeoutMs,
      retries: this.options.retries,
      coalesceKey: `${unit}:${command}${subInverter ? ':sub' : ''}`,
      run: (ctx) => this.transact(ctx, bytes, expect, unit),
    });
  }

  private async readSubInverters(address: number, opts: RequestOptions): Promise<KacoMeasurement> {
    const subs: FieldValues[] = [];
    for (const command of ['1', '2', '3'] as const) {
      const reply = await this.request(address, command, opts, true);
      if (reply.shape !== 'standard000xi') throw new ProtocolError(`inverter ${address} answered command ${command} with a ${reply.shape} reply`, reply.raw);
      subs.push(reply.fields);
    }
    return { address, family: 'standard000xi', fields: combineSubInverters(subs) };
  }

  private transact(ctx: TransactionContext, request: Buffer, expect: ReplyExpectation, unit: string): Promise<KacoReply> {
    if (this.options.signal?.aborted) return Promise.reject(new TransportError('cancelled', `${unit}: the reader stopped`, unit));
    return new Promise<KacoReply>((resolve, reject) => {
      const extractor = new FrameExtractor(expect);
      let sent = false;
      let settled = false;
      const finish = (settle: () => void): void => {
        if (settled) return;
        settled = true;
        ctx.scheduler.clearTimeout(timer);
        off();
        ctx.signal.removeEventListener('abort', onAbort);
        settle();
      };
      const off = ctx.onData((chunk) => {
        if (!sent) return; // whatever came before our request is not its answer
        const reply = extractor.push(chunk);
        if (reply) return finish(() => resolve(reply));
        // known bad already: the caller hears it now; the bus keeps the line quiet for the rest of the window
        const refusal = extractor.refusal;
        if (refusal) finish(() => reject(outcomeError({ kind: 'rejected', ...refusal }, expect, ctx.timeoutMs, unit)));
      });
      const onAbort = (): void => {
        const reason: unknown = ctx.signal.reason;
        finish(() => reject(reason instanceof TransportError ? reason : new TransportError('closed', `${unit}: the link closed during the request`, unit)));
      };
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      const armedAt = ctx.scheduler.now();
      let lookedAgain = false;
      const onTimeout = (): void => {
        // A timer that fires late means this process stalled (a long GC): bytes that reached the
        // OS meanwhile are delivered only after timers run, so look once more before calling the
        // line silent (found by the fault soak: a reply's tail after a pause cut off by a stall).
        if (!lookedAgain && ctx.scheduler.now() - armedAt - ctx.timeoutMs > STALL_MS) {
          lookedAgain = true;
          timer = ctx.scheduler.setTimeout(onTimeout, STALL_GRACE_MS);
          return;
        }
        const outcome = extractor.finish();
        if (outcome.kind === 'reply') finish(() => resolve(outcome.reply));
        else finish(() => reject(outcomeError(outcome, expect, ctx.timeoutMs, unit)));
      };
      let timer = ctx.scheduler.setTimeout(onTimeout, ctx.timeoutMs);
      sent = true;
      ctx.trace('tx', request, `KACO #${expect.address} command ${expect.command}`);
      ctx.write(request).catch((err: unknown) => finish(() => reject(new TransportError('closed', `${unit}: write failed: ${(err as Error).message}`, unit))));
    });
  }
}

/** Why no reply came, as the bus's error kinds: timeouts count as misses, the others show the inverter is awake. */
function outcomeError(outcome: Exclude<ExtractorOutcome, { kind: 'reply' }>, expect: ReplyExpectation, timeoutMs: number, unit: string): Error {
  const who = `inverter ${expect.address} (command ${expect.command})`;
  switch (outcome.kind) {
    case 'rejected':
      return outcome.badCheck
        ? new TransportError('crc', `${who}: reply refused, ${outcome.reason}`, unit)
        : new ProtocolError(`${who}: reply refused, ${outcome.reason}`);
    case 'partial':
      return new TransportError('truncated', `${who}: ${outcome.reason}`, unit);
    case 'foreign':
      return new TransportError('timeout', `${who}: no answer within ${timeoutMs} ms (a frame from inverter ${outcome.address}, command ${outcome.command}, came instead: a late answer, dropped)`, unit);
    case 'none':
      return new TransportError('timeout', `${who}: no answer within ${timeoutMs} ms`, unit);
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
