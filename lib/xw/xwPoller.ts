/**
 * One poll cycle over several XW units: every unit's status reads are queued at once in the poll
 * class (the arbiter runs them back to back; a dead unit fails alone), and the energy counters,
 * when due, in the background class.
 */
import { monotonicClock, type Clock } from '../bus/clock';
import { Priority } from '../bus/priority';
import type { Readings } from './decoder';
import { readFields } from './fieldReader';
import type { PlanOptions } from './pollPlanner';
import type { RegisterClient } from './registerClient';
import { XW_ENERGY_FIELDS, XW_STATUS_FIELDS } from './registerTable';
import type { SplitMemory } from './unitSplits';

export interface PollTarget {
  unit: number;
  name: string;
}

export interface UnitPoll {
  unit: number;
  name: string;
  ok: boolean;
  /** decoded values (status fields, and the energy counters when they were read this cycle) */
  readings: Readings | null;
  /** why the unit failed, or why its energy counters did; null when all went well */
  error: string | null;
  /** wall-clock ms when the unit's status was read */
  timestamp: number;
  transactions: number;
}

export interface PollerOptions {
  owner: string;
  units: readonly PollTarget[];
  /** fields read every cycle; default XW_STATUS_FIELDS */
  fields?: readonly string[];
  /** energy counters read every this many ms in the background class; 0 = never */
  energyIntervalMs: number;
  splits: SplitMemory;
  planOptions?: PlanOptions;
  /** queue deadline of a poll read, ms (a read that cannot start in time is dropped) */
  deadlineMs?: number;
  timeoutMs?: number;
  clock?: Clock;
}

export class XwPoller {
  private readonly lastEnergy = new Map<number, number>();
  private readonly clock: Clock;

  constructor(
    private readonly client: RegisterClient,
    private readonly opts: PollerOptions,
  ) {
    this.clock = opts.clock ?? monotonicClock;
    for (const f of opts.fields ?? []) if (!XW_STATUS_FIELDS.includes(f) && !XW_ENERGY_FIELDS.includes(f)) throw new Error(`unknown XW field "${f}"`);
  }

  async cycle(): Promise<UnitPoll[]> {
    return Promise.all(this.opts.units.map((u) => this.pollUnit(u)));
  }

  private async pollUnit(target: PollTarget): Promise<UnitPoll> {
    const o = this.opts;
    const splits = o.splits.forUnit(target.unit);
    const call = (priority: Priority) => ({ owner: o.owner, priority, deadlineMs: o.deadlineMs, timeoutMs: o.timeoutMs, coalesce: true });
    const now = this.clock.now();
    const last = this.lastEnergy.get(target.unit);
    const energyDue = o.energyIntervalMs > 0 && (last === undefined || now - last >= o.energyIntervalMs);
    const status = readFields(this.client, target.unit, o.fields ?? XW_STATUS_FIELDS, splits, call(Priority.Poll), o.planOptions);
    const energy = energyDue ? readFields(this.client, target.unit, XW_ENERGY_FIELDS, splits, call(Priority.Background), o.planOptions) : undefined;
    const [s, e] = await Promise.allSettled([status, energy ?? Promise.resolve(undefined)]);
    const timestamp = Date.now();
    if (s.status === 'rejected') {
      return { ...target, ok: false, readings: null, error: (s.reason as Error).message, timestamp, transactions: 0 };
    }
    const result: UnitPoll = { ...target, ok: true, readings: s.value.readings, error: null, timestamp, transactions: s.value.transactions };
    if (e.status === 'fulfilled' && e.value) {
      this.lastEnergy.set(target.unit, now);
      Object.assign(result.readings!, e.value.readings);
      result.transactions += e.value.transactions;
    } else if (e.status === 'rejected') {
      result.error = `energy counters: ${(e.reason as Error).message}`;
    }
    return result;
  }
}
