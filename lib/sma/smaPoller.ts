/**
 * Reads a set of SMA devices in cycles, whichever way each is reached (SMA Data1 on an RS485
 * line, SMAData2+ over Bluetooth or Speedwire): one read per device per cycle, one device at a
 * time per bus, buses side by side, on lib/poll/cycleRunner.ts's timing — the same shape as the
 * KACO poller.
 *
 * Asleep, not an error storm: a device whose reads end in silence (no answer, or the bus
 * holding it back as unreachable) `missesToAsleep` cycles in a row is asleep — at night an SMA
 * inverter switches its communication off. Its bus unit policy lets one probe through every
 * `probeEveryMs`; the reads in between fail at once without touching the wire.
 *
 * A refused logon is an error that names the group and the cause, and is not retried here: the
 * SMAData2+ session already refuses to log on again for its back-off (SMA devices may lock a
 * user group out after repeated wrong passwords).
 */
import { ConfigError, TransportError } from '../bus/errors';
import type { UnitPolicy } from '../bus/unitHealth';
import { CycleRunner } from '../poll/cycleRunner';
import { systemScheduler, type Scheduler } from '../time/scheduler';
import { LogonError, type SmaReading, type SmaSource, type SmaTransport } from './smaSource';

/** What the poller needs of a device's bus: its unit health. */
export interface SmaPollBus {
  isUnreachable(unit: string): boolean;
  setUnitPolicy(prefix: string, policy: Partial<UnitPolicy>): void;
}

export interface SmaSleepPolicy {
  /** silent cycles in a row before the device counts as asleep */
  missesToAsleep: number;
  /** how often an asleep device is probed */
  probeEveryMs: number;
}

export const SMA_SLEEP_DEFAULTS: SmaSleepPolicy = { missesToAsleep: 3, probeEveryMs: 60000 };

/** One SMA device to read. */
export interface SmaTarget {
  /** stable id (the sma-inverter config node's id) */
  id: string;
  name: string;
  source: SmaSource;
  /** the bus the source is on: one read at a time per bus, and its unit health says asleep */
  bus: SmaPollBus;
  sleep?: SmaSleepPolicy;
  /** the serial the user configured (Data1), known before the first reply */
  serial?: number;
}

export type SmaCommunicationStatus = 'ok' | 'error' | 'asleep';

/** Who a reading or result is about, as far as known: the serial and type come with the first reply. */
export interface SmaDeviceIdentity {
  id: string;
  name: string;
  transport: SmaTransport;
  serial?: number;
  type?: string;
}

export interface SmaDeviceReading extends SmaDeviceIdentity {
  serial: number;
  /** values by field name (lib/sma/lriTable.ts, data1Fields.ts); "not available" values are absent */
  fields: Record<string, number | string>;
  /** wall-clock ms of the reply */
  at: number;
}

export interface SmaDeviceResult extends SmaDeviceIdentity {
  status: SmaCommunicationStatus;
  /** '' when the read went well */
  errorMessage: string;
  /** the read failed because the device refused the logon (wrong password, group locked) */
  logonRefused: boolean;
  at: number;
}

export interface SmaCycleSummary {
  cycle: number;
  startedAt: number;
  durationMs: number;
  ok: number;
  error: number;
  asleep: number;
}

export interface SmaPollerOptions {
  targets: SmaTarget[];
  /** ms from one cycle start to the next; 0: only when triggered */
  intervalMs: number;
  onReading?(reading: SmaDeviceReading): void;
  onResult(result: SmaDeviceResult): void;
  onCycle(summary: SmaCycleSummary): void;
  scheduler?: Scheduler;
}

/** SMA's tools read spot values every few seconds at most; a shorter cycle only fills the line. */
export const SMA_MIN_CYCLE_MS = 1000;

interface DeviceState {
  silentCycles: number;
  serial?: number;
  type?: string;
}

export class SmaPoller {
  private readonly scheduler: Scheduler;
  private readonly runner: CycleRunner<Record<string, never>, SmaCycleSummary>;
  private readonly state = new Map<string, DeviceState>();
  /** aborted by stop(): a read's exchanges still queued end at once (a Data1 channel list is many) */
  private readonly stopping = new AbortController();

  constructor(private readonly options: SmaPollerOptions) {
    this.scheduler = options.scheduler ?? systemScheduler;
    if (options.targets.length === 0) throw new ConfigError('no SMA devices to read');
    const units = new Map<SmaPollBus, Map<string, SmaTarget>>();
    for (const t of options.targets) {
      const onBus = units.get(t.bus) ?? new Map<string, SmaTarget>();
      const twin = onBus.get(t.source.unit);
      if (twin) throw new ConfigError(`SMA devices "${twin.name}" and "${t.name}" are one device (${t.source.unit}) on one bus`);
      onBus.set(t.source.unit, t);
      units.set(t.bus, onBus);
      this.state.set(t.id, { silentCycles: 0, serial: t.serial });
    }
    if (options.intervalMs !== 0 && !(options.intervalMs >= SMA_MIN_CYCLE_MS)) throw new ConfigError(`interval must be 0 (on input only) or at least ${SMA_MIN_CYCLE_MS} ms, got ${options.intervalMs}`);
    for (const t of options.targets) {
      const sleep = t.sleep ?? SMA_SLEEP_DEFAULTS;
      // the device's own unit only: another device on the line keeps its own policy
      t.bus.setUnitPolicy(t.source.unit, { missesToUnreachable: sleep.missesToAsleep, backoffInitialMs: sleep.probeEveryMs, backoffMaxMs: sleep.probeEveryMs, backoffFactor: 1 });
    }
    this.runner = new CycleRunner({ intervalMs: options.intervalMs, minGapMs: SMA_MIN_CYCLE_MS, scheduler: this.scheduler, everything: {}, merge: (a) => a, run: (_r, n) => this.runCycle(n), what: 'SMA reader' });
  }

  /** Starts the interval (the first cycle at once). No-op with interval 0. */
  start(): void {
    this.runner.start();
  }

  /** A cycle now, or right after the running one; at most one waits, later triggers share it. */
  trigger(): Promise<SmaCycleSummary> {
    return this.runner.trigger({});
  }

  /**
   * No new cycle starts, and the read under way stops after the exchange on the wire (the rest of
   * its exchanges end "cancelled", never sent); resolves when it has.
   */
  stop(): Promise<void> {
    this.stopping.abort(new Error('the SMA reader was stopped'));
    return this.runner.stop();
  }

  /** Whether the device counts as asleep now. */
  isAsleep(id: string): boolean {
    const target = this.options.targets.find((t) => t.id === id);
    if (!target) return false;
    return target.bus.isUnreachable(target.source.unit) || (this.state.get(id)?.silentCycles ?? 0) >= (target.sleep ?? SMA_SLEEP_DEFAULTS).missesToAsleep;
  }

  private async runCycle(cycle: number): Promise<SmaCycleSummary> {
    const start = this.scheduler.now();
    const startedAt = this.scheduler.wallNow();
    // one chain per bus: a bus carries one exchange at a time anyway, buses run side by side
    const byBus = new Map<SmaPollBus, SmaTarget[]>();
    for (const t of this.options.targets) byBus.set(t.bus, [...(byBus.get(t.bus) ?? []), t]);
    const results: SmaDeviceResult[] = [];
    await Promise.all(
      [...byBus.values()].map(async (chain) => {
        for (const target of chain) {
          if (this.runner.stopped) return;
          const result = await this.readOne(target);
          results.push(result);
          if (!this.runner.stopped) this.options.onResult(result);
        }
      }),
    );
    const summary: SmaCycleSummary = {
      cycle,
      startedAt,
      durationMs: this.scheduler.now() - start,
      ok: results.filter((r) => r.status === 'ok').length,
      error: results.filter((r) => r.status === 'error').length,
      asleep: results.filter((r) => r.status === 'asleep').length,
    };
    if (!this.runner.stopped) this.options.onCycle(summary);
    return summary;
  }

  private identity(target: SmaTarget): SmaDeviceIdentity {
    const known = this.state.get(target.id) ?? { silentCycles: 0 };
    return { id: target.id, name: target.name, transport: target.source.transport, ...(known.serial !== undefined ? { serial: known.serial } : {}), ...(known.type !== undefined ? { type: known.type } : {}) };
  }

  private async readOne(target: SmaTarget): Promise<SmaDeviceResult> {
    const state = this.state.get(target.id) ?? { silentCycles: 0 };
    let reading: SmaReading;
    try {
      reading = await target.source.read({ signal: this.stopping.signal });
    } catch (err) {
      const at = this.scheduler.wallNow();
      const silent = err instanceof TransportError && (err.kind === 'timeout' || err.kind === 'unreachable');
      state.silentCycles = silent ? state.silentCycles + 1 : 0;
      const base = { ...this.identity(target), at, logonRefused: err instanceof LogonError };
      if (silent && this.isAsleep(target.id)) return { ...base, status: 'asleep', errorMessage: asleepMessage(target, state.silentCycles) };
      return { ...base, status: 'error', errorMessage: (err as Error).message };
    }
    state.silentCycles = 0;
    if (target.serial !== undefined && reading.serial !== target.serial) {
      // another device answers where this one was configured: its values are not this one's
      return { ...this.identity(target), status: 'error', errorMessage: `${target.name}: the device answering is serial ${reading.serial}, not the configured ${target.serial}`, logonRefused: false, at: reading.time };
    }
    state.serial = reading.serial;
    if (reading.type !== undefined) state.type = reading.type;
    const identity = this.identity(target);
    if (!this.runner.stopped) this.options.onReading?.({ ...identity, serial: reading.serial, fields: { ...reading.fields }, at: reading.time });
    return { ...identity, status: 'ok', errorMessage: '', logonRefused: false, at: reading.time };
  }
}

function asleepMessage(target: SmaTarget, silentCycles: number): string {
  const sleep = target.sleep ?? SMA_SLEEP_DEFAULTS;
  const misses = Math.max(silentCycles, sleep.missesToAsleep);
  return `${target.name} asleep (night or switched off): no answer ${misses} times in a row, probed every ${Math.round(sleep.probeEveryMs / 1000)} s`;
}
