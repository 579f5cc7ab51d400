/**
 * One poll cycle over several XW units: every unit's status read is queued at once in the poll
 * class (the arbiter runs them back to back; a dead unit fails alone) — one read per unit. In the
 * background class, when due: the energy counters, and Operating Mode (0x0166), which changes only
 * by command and so is read at start, after a command (ModeMemory) and every `modeIntervalMs`.
 * Every cycle reports the last known Operating Mode with its age, and `standby` from the unit's
 * own Inverter Status (1032 "Inverter Standby").
 */
import { systemScheduler, type Scheduler } from '../time/scheduler';
import { Priority } from '../bus/priority';
import type { Readings } from './decoder';
import { INVERTER_STATUS_STANDBY, OPERATING_MODE_TEXT } from './enumTexts';
import { readFields } from './fieldReader';
import { ModeMemory } from './modeMemory';
import type { PlanOptions } from './pollPlanner';
import type { RegisterClient } from './registerClient';
import { XW_AC2_FIELDS, XW_ENERGY_FIELDS, XW_STATUS_FIELDS } from './registerTable';
import type { SplitMemory } from './unitSplits';

export interface PollTarget {
  unit: number;
  name: string;
}

export interface UnitPoll {
  unit: number;
  name: string;
  ok: boolean;
  /** decoded values (status fields, Operating Mode as last known, and the energy counters when read this cycle) */
  readings: Readings | null;
  /** why the unit failed, or why its energy counters / Operating Mode read did; null when all went well */
  error: string | null;
  /** wall-clock ms when the unit's status was read */
  timestamp: number;
  transactions: number;
}

/** Default cadence of the Operating Mode read, ms. */
export const MODE_INTERVAL_MS = 60000;

export interface PollerOptions {
  owner: string;
  units: readonly PollTarget[];
  /** fields read every cycle; default XW_STATUS_FIELDS (with XW_AC2_FIELDS when `ac2`) */
  fields?: readonly string[];
  /** read load apparent power and the AC2 block with the status fields */
  ac2?: boolean;
  /** energy counters read every this many ms in the background class; 0 = never */
  energyIntervalMs: number;
  /** Operating Mode read every this many ms (and at start, and after a command); default 60000; 0 = only at start and after commands */
  modeIntervalMs?: number;
  /** shared with xw-command on the same bus; default a memory of this poller's own */
  modes?: ModeMemory;
  splits: SplitMemory;
  planOptions?: PlanOptions;
  /** queue deadline of a poll read, ms (a read that cannot start in time is dropped) */
  deadlineMs?: number;
  timeoutMs?: number;
  /** time (lib/time/scheduler.ts); the system's when absent */
  scheduler?: Scheduler;
}

const ALLOWED = new Set([...XW_STATUS_FIELDS, ...XW_AC2_FIELDS, ...XW_ENERGY_FIELDS]);

export class XwPoller {
  private readonly lastEnergy = new Map<number, number>();
  private readonly clock: Scheduler;
  private readonly modes: ModeMemory;
  private readonly fields: readonly string[];

  constructor(
    private readonly client: RegisterClient,
    private readonly opts: PollerOptions,
  ) {
    this.clock = opts.scheduler ?? systemScheduler;
    this.modes = opts.modes ?? new ModeMemory();
    for (const f of opts.fields ?? []) if (!ALLOWED.has(f)) throw new Error(`unknown XW field "${f}"`);
    this.fields = opts.fields ?? (opts.ac2 ? [...XW_STATUS_FIELDS, ...XW_AC2_FIELDS] : XW_STATUS_FIELDS);
  }

  async cycle(): Promise<UnitPoll[]> {
    return Promise.all(this.opts.units.map((u) => this.pollUnit(u)));
  }

  /** Operating Mode is due: never read, a command asked for it, or its cadence passed. */
  private modeDue(unit: number, now: number): boolean {
    const known = this.modes.get(unit);
    const interval = this.opts.modeIntervalMs ?? MODE_INTERVAL_MS;
    const asked = this.modes.takeDue(unit);
    return known === undefined || asked || (interval > 0 && now - known.at >= interval);
  }

  private async pollUnit(target: PollTarget): Promise<UnitPoll> {
    const o = this.opts;
    const splits = o.splits.forUnit(target.unit);
    const call = (priority: Priority) => ({ owner: o.owner, priority, deadlineMs: o.deadlineMs, timeoutMs: o.timeoutMs, coalesce: true });
    const now = this.clock.now();
    const last = this.lastEnergy.get(target.unit);
    const energyDue = o.energyIntervalMs > 0 && (last === undefined || now - last >= o.energyIntervalMs);
    const modeDue = this.modeDue(target.unit, now);
    const status = readFields(this.client, target.unit, this.fields, splits, call(Priority.Poll), o.planOptions);
    const energy = energyDue ? readFields(this.client, target.unit, XW_ENERGY_FIELDS, splits, call(Priority.Background), o.planOptions) : undefined;
    const mode = modeDue ? readFields(this.client, target.unit, ['operating_mode'], splits, call(Priority.Background), o.planOptions) : undefined;
    const [s, e, m] = await Promise.allSettled([status, energy ?? Promise.resolve(undefined), mode ?? Promise.resolve(undefined)]);
    const timestamp = this.clock.wallNow();
    if (s.status === 'rejected') {
      if (m.status === 'rejected') this.modes.markDue(target.unit); // try again next cycle
      return { ...target, ok: false, readings: null, error: (s.reason as Error).message, timestamp, transactions: 0 };
    }
    const result: UnitPoll = { ...target, ok: true, readings: s.value.readings, error: null, timestamp, transactions: s.value.transactions };
    const errors: string[] = [];
    if (e.status === 'fulfilled' && e.value) {
      this.lastEnergy.set(target.unit, now);
      Object.assign(result.readings!, e.value.readings);
      result.transactions += e.value.transactions;
    } else if (e.status === 'rejected') {
      errors.push(`energy counters: ${(e.reason as Error).message}`);
    }
    if (m.status === 'fulfilled' && m.value) {
      const v = m.value.readings.operating_mode;
      this.modes.record(target.unit, typeof v === 'number' ? v : null, this.clock.now());
      result.transactions += m.value.transactions;
    } else if (m.status === 'rejected') {
      this.modes.markDue(target.unit);
      errors.push(`operating mode: ${(m.reason as Error).message}`);
    }
    if (errors.length > 0) result.error = errors.join('; ');
    Object.assign(result.readings!, this.modeReadings(target.unit, result.readings!));
    return result;
  }

  /** Operating Mode as last read (with its age) and standby from this cycle's Inverter Status. */
  private modeReadings(unit: number, r: Readings): Readings {
    const known = this.modes.get(unit);
    const status = r.inverter_status;
    const out: Readings = { standby: typeof status === 'number' ? (status === INVERTER_STATUS_STANDBY ? 1 : 0) : null };
    if (known && known.value !== null) {
      out.operating_mode = known.value;
      const text = OPERATING_MODE_TEXT[known.value];
      if (text) out.operating_mode_text = text;
      out.operating_mode_age_s = Math.max(0, Math.round((this.clock.now() - known.at) / 1000));
    }
    return out;
  }
}
