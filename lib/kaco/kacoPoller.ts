import { systemScheduler, type Scheduler } from '../time/scheduler';
import { CycleRunner } from '../poll/cycleRunner';
import { ConfigError, TransportError } from '../bus/errors';
import { Priority } from '../bus/priority';
import { isKacoAddress } from './commands';
import { CommandSupport, type CommandSupportOptions } from './commandSupport';
import type { FrameMarks } from './frameMarks';
import type { FieldValues, YieldText } from './frames';
import { KACO_CLIENT_DEFAULTS, type KacoClient, type MeasurementFamily, type SleepPolicy } from './kacoClient';

/** One inverter to read, and the client of the bus it is on. */
export interface PollTarget {
  /** stable id (the kaco-inverter config node's id) */
  id: string;
  address: number;
  name: string;
  client: KacoClient;
  /** the inverter's sleep policy (its kaco-inverter node's); the client's when omitted */
  sleep?: SleepPolicy;
}

export type CommunicationStatus = 'ok' | 'error' | 'asleep';

/** Which request a reading comes from: command 0 (1–3 on a 000xi) or command 3. */
export type ReadingPart = 'measurements' | 'yield';

/** Values of one inverter from one request, handed on the moment they are decoded. */
export interface InverterReading {
  id: string;
  address: number;
  name: string;
  part: ReadingPart;
  fields: FieldValues;
  family: MeasurementFamily;
  /** command 3 as sent, for the old logger's names and units */
  yieldAsSent?: YieldText;
  /** command 0's frame header and check as sent, for the old logger's text fields */
  frame?: FrameMarks;
  /** wall-clock ms when the reply was decoded */
  at: number;
}

/** What one cycle found out about one inverter: its communication status, once its turn is over. */
export interface InverterResult {
  id: string;
  address: number;
  name: string;
  status: CommunicationStatus;
  /** '' when all went well; with status ok it can still say that command 3 failed or is not available */
  errorMessage: string;
  /** wall-clock ms when the measurement (or the failure) came */
  at: number;
}

export interface CycleSummary {
  cycle: number;
  /** wall-clock ms at the start */
  startedAt: number;
  durationMs: number;
  ok: number;
  error: number;
  asleep: number;
  /** whether command 3 was read in this cycle */
  withYield: boolean;
}

export interface CycleRequest {
  /** only these addresses (among the targets); all when omitted */
  addresses?: number[];
  /** read command 3 this time whatever the cadence says */
  readYield?: boolean;
}

export interface PollerOptions {
  targets: PollTarget[];
  /** ms from one cycle start to the next; 0: only when triggered */
  intervalMs: number;
  /** read command 3 every this many cycles (1: every cycle); 0: never */
  yieldEvery: number;
  /** each inverter's values, as soon as each request's reply is decoded */
  onReading?(reading: InverterReading): void;
  /** each inverter's communication status, once per cycle after its requests */
  onResult(result: InverterResult): void;
  /** learning which inverters never answer command 3 (defaults: 3 misses, asked again hourly) */
  commandSupport?: CommandSupportOptions;
  onCycle(summary: CycleSummary): void;
  scheduler?: Scheduler;
}

/** KACO's note: a logger's poll cycle must not be shorter than 1 s. */
export const MIN_CYCLE_MS = 1000;

/**
 * Reads a set of KACO inverters in cycles: each inverter's command 0 (and command 3 when due)
 * one request at a time per bus, so the node never holds more than one request in a bus's
 * queue; inverters on different buses are read in parallel. A cycle starts every interval (or
 * on trigger, at most one waiting), never sooner than 1 s after the last one and never while
 * one runs. An inverter marked asleep fails at once without touching the wire, so it costs the
 * others nothing; the bus lets one probe through each minute.
 */
export class KacoPoller {
  private readonly scheduler: Scheduler;
  private readonly targets: PollTarget[];
  private readonly runner: CycleRunner<CycleRequest, CycleSummary>;
  readonly support: CommandSupport;

  constructor(private readonly options: PollerOptions) {
    this.scheduler = options.scheduler ?? systemScheduler;
    this.support = new CommandSupport(() => this.scheduler.now(), options.commandSupport);
    if (options.targets.length === 0) throw new ConfigError('no inverters to read');
    for (const t of options.targets) if (!isKacoAddress(t.address)) throw new ConfigError(`KACO address must be an integer 1–32, got ${String(t.address)}`);
    const seen = new Map<unknown, Map<number, PollTarget>>();
    for (const t of options.targets) {
      const onBus = seen.get(t.client.bus) ?? new Map<number, PollTarget>();
      const twin = onBus.get(t.address);
      if (twin) throw new ConfigError(`inverters "${twin.name}" and "${t.name}" both have address ${t.address} on one bus`);
      onBus.set(t.address, t);
      seen.set(t.client.bus, onBus);
    }
    if (options.intervalMs !== 0 && !(options.intervalMs >= MIN_CYCLE_MS)) throw new ConfigError(`interval must be 0 (on input only) or at least ${MIN_CYCLE_MS} ms, got ${options.intervalMs}`);
    if (!(Number.isInteger(options.yieldEvery) && options.yieldEvery >= 0)) throw new ConfigError(`command 3 cadence must be a whole number of cycles >= 0, got ${options.yieldEvery}`);
    this.targets = options.targets;
    // the policy is the inverter's: whichever node reads it, it falls asleep and is probed alike
    for (const t of options.targets) if (t.sleep) t.client.setSleepPolicy(t.address, t.sleep);
    this.runner = new CycleRunner({ intervalMs: options.intervalMs, minGapMs: MIN_CYCLE_MS, scheduler: this.scheduler, everything: {}, merge: mergeRequests, run: (r, n) => this.runCycle(r, n), what: 'KACO reader' });
  }

  private get stopped(): boolean {
    return this.runner.stopped;
  }

  /** Starts the interval (the first cycle at once). No-op with interval 0. */
  start(): void {
    this.runner.start();
  }

  /** A cycle now, or right after the running one; at most one waits, later triggers share it. */
  trigger(request: CycleRequest = {}): Promise<CycleSummary> {
    if (request.addresses && !this.stopped) {
      const known = new Set(this.targets.map((t) => t.address));
      const unknown = request.addresses.filter((a) => !known.has(a));
      if (unknown.length > 0) throw new ConfigError(`address ${unknown.join(', ')} is not among the inverters this node reads (${[...known].join(', ')})`);
    }
    return this.runner.trigger(request);
  }

  /** No new cycle starts; resolves when the request on the wire (if any) has ended. */
  stop(): Promise<void> {
    return this.runner.stop();
  }

  private async runCycle(request: CycleRequest, cycle: number): Promise<CycleSummary> {
    const start = this.scheduler.now();
    const startedAt = this.scheduler.wallNow();
    const every = this.options.yieldEvery;
    const withYield = request.readYield ?? (every > 0 && (cycle - 1) % every === 0);
    const wanted = request.addresses ? new Set(request.addresses) : undefined;
    const targets = this.targets.filter((t) => !wanted || wanted.has(t.address));
    // one chain per bus: a bus carries one request at a time anyway, buses run side by side
    const byBus = new Map<unknown, PollTarget[]>();
    for (const t of targets) byBus.set(t.client.bus, [...(byBus.get(t.client.bus) ?? []), t]);
    const results: InverterResult[] = [];
    await Promise.all(
      [...byBus.values()].map(async (chain) => {
        let busDown: string | undefined;
        for (const target of chain) {
          if (this.stopped) return;
          // the bus itself failed (link lost, nothing sent before the deadline): say so for the rest at once
          const result = busDown ? { id: target.id, address: target.address, name: target.name, status: 'error' as const, errorMessage: busDown, at: this.scheduler.wallNow() } : await this.readOne(target, withYield);
          if (result.busFailure) busDown = result.errorMessage;
          delete result.busFailure;
          results.push(result);
          if (!this.stopped) this.options.onResult(result);
        }
      }),
    );
    const summary: CycleSummary = {
      cycle,
      startedAt,
      durationMs: this.scheduler.now() - start,
      ok: results.filter((r) => r.status === 'ok').length,
      error: results.filter((r) => r.status === 'error').length,
      asleep: results.filter((r) => r.status === 'asleep').length,
      withYield,
    };
    if (!this.stopped) this.options.onCycle(summary);
    return summary;
  }

  private async readOne(target: PollTarget, withYield: boolean): Promise<InverterResult & { busFailure?: boolean }> {
    const base = { id: target.id, address: target.address, name: target.name };
    const client = target.client;
    // ours are sent one at a time, so a request waits only for other nodes' traffic: a reading
    // that cannot start within an interval (the link is down) is reported, not run late
    const interval = this.options.intervalMs;
    const deadlineMs = Math.min(60000, Math.max(interval, 5000, 2 * (client.options.timeoutMs + client.options.pauseAfterMs)));
    let measured;
    try {
      measured = await client.readMeasurements(target.address, { priority: Priority.Poll, deadlineMs });
    } catch (err) {
      const at = this.scheduler.wallNow();
      if (isAsleep(err, client, target.address)) return { ...base, status: 'asleep', errorMessage: asleepMessage(err, target), at };
      const busFailure = err instanceof TransportError && (err.kind === 'deadline' || err.kind === 'closed' || err.kind === 'open');
      return { ...base, status: 'error', errorMessage: (err as Error).message, at, busFailure };
    }
    const at = this.scheduler.wallNow();
    const family = measured.family;
    // out at once: the yield below (or its timeout) must not hold back what is already read
    this.emitReading({ ...base, part: 'measurements', fields: { ...measured.fields }, family, frame: measured.frame, at });
    const result: InverterResult = { ...base, status: 'ok', errorMessage: '', at };
    if (withYield && family !== 'standard000xi' && !this.stopped && this.support.shouldAsk(target.id, '3')) {
      try {
        const y = await client.readYield(target.address, { priority: Priority.Background, deadlineMs });
        const change = this.support.answered(target.id, target.address, '3');
        if (change) result.errorMessage = change.message;
        // command 0's yield today (e_day) is the fresher one and already went out
        const { e_day: _today, ...fields } = y.fields;
        this.emitReading({ ...base, part: 'yield', fields, family, yieldAsSent: y.asSent, at: this.scheduler.wallNow() });
      } catch (err) {
        const silent = err instanceof TransportError && err.kind === 'timeout';
        const change = silent ? this.support.missed(target.id, target.address, '3') : undefined;
        // learned: said once, here; from now on command 3 is asked only on its re-try
        result.errorMessage = change ? change.message : this.support.isUnsupported(target.id, '3') ? '' : `command 3: ${(err as Error).message}`;
      }
    }
    return result;
  }

  private emitReading(reading: InverterReading): void {
    if (!this.stopped) this.options.onReading?.(reading);
  }
}

function isAsleep(err: unknown, client: KacoClient, address: number): boolean {
  if (!(err instanceof TransportError)) return false;
  return err.kind === 'unreachable' || (err.kind === 'timeout' && client.isAsleep(address));
}

function asleepMessage(err: unknown, target: PollTarget): string {
  const misses = target.sleep?.missesToAsleep ?? target.client.options.missesToAsleep ?? KACO_CLIENT_DEFAULTS.missesToAsleep;
  const detail = err instanceof TransportError && err.kind === 'unreachable' ? err.message.replace(/^kaco:\d+ /, '') : `missed ${misses} answers in a row`;
  return `inverter ${target.address} asleep (night or switched off): ${detail}`;
}

function mergeRequests(a: CycleRequest, b: CycleRequest): CycleRequest {
  const addresses = a.addresses && b.addresses ? [...new Set([...a.addresses, ...b.addresses])] : undefined;
  const readYield = a.readYield || b.readYield ? true : undefined;
  return { addresses, readYield };
}
