/**
 * Runs a command on a set of units and proves it happened (DESIGN.md "Verified commands"):
 * read the units' state; skip units already there (no write); refuse units in standby unless the
 * command is "operating"; write all the rest back to back; then re-read only the unverified units
 * until verified or the deadline; report each unit. This replaces the seed's write-then-re-read
 * unit by unit.
 */
import { monotonicClock, type Clock } from '../bus/clock';
import { preciseDelay } from '../bus/preciseDelay';
import { COMMANDS, type CommandName, type CommandSpec, type CommandWrite } from './commandTable';
import type { Readings } from './decoder';
import { OPERATING_MODE } from './enumTexts';
import { readFields } from './fieldReader';
import type { PlanOptions } from './pollPlanner';
import type { ModbusCallOptions, RegisterClient } from './registerClient';
import { XW_TABLE } from './registerTable';
import type { SplitMemory } from './unitSplits';
import { LockWaitError, type UnitLocks } from './unitLocks';

export interface CommandTarget {
  unit: number;
  name: string;
}

export type UnitAction = 'written' | 'skipped' | 'refused';

export interface UnitReport {
  unit: number;
  name: string;
  /** the unit reports the wanted state */
  ok: boolean;
  /** written: a write was sent; skipped: already in state, nothing written; refused: nothing written (standby, unreadable, busy) */
  action: UnitAction;
  /** the verify fields (and operating_mode) as read before, null when unreadable */
  before: Readings | null;
  /** as last read after the write (same as before when nothing was written) */
  after: Readings | null;
  /** ms from the command's start to this unit's verdict */
  ms: number;
  /** why not ok, or what happened; '' when ok and written */
  reason: string;
}

export interface CommandReport {
  command: CommandName;
  ok: boolean;
  units: UnitReport[];
  ms: number;
  /** bus transactions the command used */
  transactions: number;
}

export interface CommandRunOptions {
  /** who asks (node id) */
  owner: string;
  /** everything, including waiting for another command on the same units, within this, ms */
  deadlineMs: number;
  /** response timeout per transaction, ms; default the bus's */
  timeoutMs?: number;
  /** re-attempts of a write on timeout (within the deadline); default 2 */
  writeRetries?: number;
  /** spacing of verification re-reads, ms; default 50 */
  verifyIntervalMs?: number;
  /** aborts waiting (node closing); what is on the wire finishes */
  signal?: AbortSignal;
}

export interface VerifiedWriterDeps {
  client: RegisterClient;
  splits: SplitMemory;
  locks: UnitLocks;
  clock?: Clock;
  planOptions?: PlanOptions;
}

interface UnitRun {
  target: CommandTarget;
  report: UnitReport;
  pending: boolean;
}

export class VerifiedWriter {
  private readonly clock: Clock;

  constructor(private readonly deps: VerifiedWriterDeps) {
    this.clock = deps.clock ?? monotonicClock;
  }

  async run(command: CommandName, targets: readonly CommandTarget[], opts: CommandRunOptions): Promise<CommandReport> {
    const spec = COMMANDS[command];
    const start = this.clock.now();
    const deadlineAt = start + opts.deadlineMs;
    const remaining = (): number => Math.max(1, deadlineAt - this.clock.now());
    const elapsed = (): number => Math.round(this.clock.now() - start);
    let transactions = 0;
    const runs: UnitRun[] = targets.map((target) => ({
      target,
      pending: false,
      report: { unit: target.unit, name: target.name, ok: false, action: 'refused', before: null, after: null, ms: 0, reason: '' },
    }));
    const finish = (): CommandReport => ({ command, ok: runs.every((r) => r.report.ok), units: runs.map((r) => r.report), ms: elapsed(), transactions });

    let release: (() => void) | undefined;
    try {
      release = await this.deps.locks.acquire(
        targets.map((t) => t.unit),
        deadlineAt - this.clock.now(),
        opts.signal,
      );
    } catch (err) {
      for (const r of runs) Object.assign(r.report, { reason: (err as Error).message, ms: elapsed() });
      if (err instanceof LockWaitError) return finish();
      throw err;
    }
    try {
      const call = (): ModbusCallOptions => ({ owner: opts.owner, priority: spec.priority, deadlineMs: remaining(), timeoutMs: opts.timeoutMs });
      const readSet = [...new Set([...spec.verifyFields, 'operating_mode'])];

      // 1. the state of every unit, all reads queued together
      const firstReads = await Promise.allSettled(runs.map((r) => this.readState(r.target.unit, readSet, call())));
      const toWrite: UnitRun[] = [];
      firstReads.forEach((o, i) => {
        const r = runs[i];
        const rep = r.report;
        if (o.status === 'rejected') {
          Object.assign(rep, { action: 'refused', ms: elapsed(), reason: `could not read the unit's state: ${(o.reason as Error).message}` });
          return;
        }
        transactions += o.value.transactions;
        rep.before = o.value.readings;
        rep.after = o.value.readings;
        // standby first: a unit in standby ignores commands, whatever its other registers say
        if (o.value.readings.operating_mode === OPERATING_MODE.standby && command !== 'operating' && command !== 'standby') {
          Object.assign(rep, { action: 'refused', ms: elapsed(), reason: 'unit is in standby (operating_mode reads 2): it ignores every command but "operating"' });
        } else if (spec.verified(o.value.readings)) {
          Object.assign(rep, { ok: true, action: 'skipped', ms: elapsed(), reason: `already ${spec.expectation}` });
        } else {
          toWrite.push(r);
        }
      });

      // 2. all writes back to back: queued in one go so nothing of ours waits between them
      const writeOpts = (): ModbusCallOptions => ({ ...call(), retries: opts.writeRetries ?? 2 });
      const writes = await Promise.allSettled(toWrite.map((r) => this.write(r.target.unit, spec.writes, writeOpts)));
      writes.forEach((o, i) => {
        const r = toWrite[i];
        r.report.action = 'written';
        transactions += writeTransactions(spec.writes);
        if (o.status === 'rejected') {
          Object.assign(r.report, { ms: elapsed(), reason: `write failed: ${(o.reason as Error).message}` });
        } else {
          r.pending = true;
        }
      });

      // 3. re-read only the unverified until verified or the deadline
      const interval = opts.verifyIntervalMs ?? 50;
      const lastError = new Map<UnitRun, string>();
      while (runs.some((r) => r.pending) && this.clock.now() < deadlineAt && !opts.signal?.aborted) {
        await preciseDelay(Math.min(interval, deadlineAt - this.clock.now()), opts.signal);
        if (this.clock.now() >= deadlineAt || opts.signal?.aborted) break;
        const pending = runs.filter((r) => r.pending);
        const reads = await Promise.allSettled(pending.map((r) => this.readState(r.target.unit, spec.verifyFields, call())));
        reads.forEach((o, i) => {
          const r = pending[i];
          if (o.status === 'rejected') {
            lastError.set(r, (o.reason as Error).message);
            transactions += 1;
            return;
          }
          transactions += o.value.transactions;
          r.report.after = { ...r.report.after, ...o.value.readings };
          if (spec.verified(o.value.readings)) {
            r.pending = false;
            Object.assign(r.report, { ok: true, ms: elapsed(), reason: '' });
          }
        });
      }
      for (const r of runs.filter((x) => x.pending)) {
        const seen = describe(spec, r.report.after);
        const err = lastError.get(r);
        const why = opts.signal?.aborted ? 'cancelled (node closing)' : `not verified within ${opts.deadlineMs} ms`;
        Object.assign(r.report, { ms: elapsed(), reason: `${why}: expected ${spec.expectation}, unit reports ${seen}${err ? ` (last read: ${err})` : ''}` });
      }
      return finish();
    } finally {
      release();
    }
  }

  private readState(unit: number, fields: readonly string[], call: ModbusCallOptions): Promise<{ readings: Readings; transactions: number }> {
    return readFields(this.deps.client, unit, fields, this.deps.splits.forUnit(unit), call, this.deps.planOptions);
  }

  /** A unit's writes: adjacent registers in one function-16 write, others one function-6 each, queued together. */
  private async write(unit: number, writes: readonly CommandWrite[], opts: () => ModbusCallOptions): Promise<void> {
    const groups = writeGroups(writes);
    await Promise.all(
      groups.map((g) =>
        g.values.length === 1 ? this.deps.client.writeRegister(unit, g.address, g.values[0], opts()) : this.deps.client.writeRegisters(unit, g.address, g.values, opts()),
      ),
    );
  }
}

export function writeGroups(writes: readonly CommandWrite[]): { address: number; values: number[] }[] {
  const sorted = writes.map((w) => ({ address: XW_TABLE.field(w.field).address, value: w.value })).sort((a, b) => a.address - b.address);
  const groups: { address: number; values: number[] }[] = [];
  for (const w of sorted) {
    const last = groups[groups.length - 1];
    if (last && last.address + last.values.length === w.address) last.values.push(w.value);
    else groups.push({ address: w.address, values: [w.value] });
  }
  return groups;
}

function writeTransactions(writes: readonly CommandWrite[]): number {
  return writeGroups(writes).length;
}

function describe(spec: CommandSpec, r: Readings | null): string {
  if (!r) return 'nothing (unreadable)';
  return spec.verifyFields.map((f) => `${f} ${r[f] === null ? 'null' : String(r[f])}`).join(', ');
}
