/**
 * Runs a command on a set of units and proves it happened (DESIGN.md "Verified commands"). Each
 * unit goes its own way, so one that does not answer holds back no other:
 * read its state; refuse it in standby unless the command is "operating"; write only the
 * registers whose status does not already show the wanted state; then re-read it until its own
 * status confirms (lib/xw/commandTable.ts) or the deadline. A unit's state read is queued once the
 * unit before it has had its read answered and its writes queued, units that answer lately first:
 * the writes of units that answer go out before an absent unit's read times out.
 */
import { systemScheduler, type Scheduler } from '../time/scheduler';
import { ModbusException } from '../bus/errors';
import { COMMANDS, commandConfirmed, confirmFields, echoFields, expectation, stateFields, holds, writeConfirmed, type CommandName, type CommandSpec, type CommandWrite } from './commandTable';
import type { Readings } from './decoder';
import { OPERATING_MODE } from './enumTexts';
import { readFields } from './fieldReader';
import type { ModeMemory } from './modeMemory';
import type { PlanOptions } from './pollPlanner';
import type { ModbusCallOptions, RegisterClient } from './registerClient';
import { XW_TABLE } from './registerTable';
import type { SplitMemory } from './unitSplits';
import { LockWaitError, type UnitLocks } from './unitLocks';
import { notSentCause, type NotSentCause } from './wireOutcome';

export interface CommandTarget {
  unit: number;
  name: string;
}

/**
 * written: at least one write went out on the wire; skipped: the status already showed the wanted
 * state, nothing written; refused: nothing written by decision (unit in standby); not-sent: a write
 * (or the state read it needed) never left the queue, or the units were busy with another command.
 */
export type UnitAction = 'written' | 'skipped' | 'refused' | 'not-sent';

/**
 * Machine-readable cause of a unit that is not ok: a NotSentCause (deadline, closed, unreachable,
 * cancelled, open, invalid); 'busy' (another command held the units); 'unreadable' (its state read
 * failed after going out); 'standby'; 'not-verified' (written, status never confirmed); 'refused-write'
 * (the unit answered the write with an exception).
 */
export type UnitCause = NotSentCause | 'busy' | 'unreadable' | 'standby' | 'not-verified' | 'refused-write';

export interface UnitRegisters {
  /** register fields whose write went out on the wire */
  written: string[];
  /** register fields not written: the status already showed them right */
  already: string[];
  /** register fields whose write never left the queue */
  notSent: string[];
}

export interface UnitReport {
  unit: number;
  name: string;
  /** the unit's own status shows the wanted state */
  ok: boolean;
  action: UnitAction;
  /** per register, machine names */
  registers: UnitRegisters;
  /** what was done, in words a person reads: "charger on → off, sell off (already)" */
  summary: string;
  /** null when ok */
  cause: UnitCause | null;
  /** the command's fields (and operating_mode) as read before, null when unreadable */
  before: Readings | null;
  /** as last read after the write (same as before when nothing was written) */
  after: Readings | null;
  /** ms from the command's start to this unit's verdict */
  ms: number;
  /** why not ok, or what happened; '' when ok and written */
  reason: string;
}

export interface CommandCounts {
  ok: number;
  written: number;
  skipped: number;
  refused: number;
  notSent: number;
}

export interface CommandReport {
  command: CommandName;
  ok: boolean;
  units: UnitReport[];
  /** units by action, and how many are ok */
  counts: CommandCounts;
  ms: number;
  /** bus transactions the command used (sent or not) */
  transactions: number;
}

export interface CommandRunOptions {
  /** who asks (node id) */
  owner: string;
  /** everything, including waiting for another command on the same units, within this, ms */
  deadlineMs: number;
  /** response timeout per transaction, ms; default the bus's */
  timeoutMs?: number;
  /** re-attempts of a write that went out unanswered (within the deadline); default 2 */
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
  /** time (lib/time/scheduler.ts); the system's when absent */
  scheduler?: Scheduler;
  planOptions?: PlanOptions;
  /** told what Operating Mode each unit showed, and that the poller should read it again */
  modes?: ModeMemory;
  /** wall-clock ms of the unit's last answer on this bus (units that answered go first); undefined: never */
  lastAnswer?: (unit: number) => number | undefined;
}

/** A unit whose last answer is this much older than the freshest on the bus is asked last (3 poll cycles at the default 10 s). */
const STALE_MS = 30000;

interface WriteOutcome {
  fields: string[];
  sent: boolean;
  error?: unknown;
}

export class VerifiedWriter {
  private readonly clock: Scheduler;

  constructor(private readonly deps: VerifiedWriterDeps) {
    this.clock = deps.scheduler ?? systemScheduler;
  }

  async run(command: CommandName, targets: readonly CommandTarget[], opts: CommandRunOptions): Promise<CommandReport> {
    const spec = COMMANDS[command];
    const start = this.clock.now();
    const deadlineAt = start + opts.deadlineMs;
    const ctx: RunContext = { spec, opts, start, deadlineAt, transactions: 0, allQueued: Promise.resolve() };
    const reports = targets.map((t) => emptyReport(t, spec));
    const finish = (): CommandReport => commandReport(command, reports, Math.round(this.clock.now() - start), ctx.transactions);

    let release: (() => void) | undefined;
    try {
      release = await this.deps.locks.acquire(
        targets.map((t) => t.unit),
        deadlineAt - this.clock.now(),
        opts.signal,
      );
    } catch (err) {
      if (!(err instanceof LockWaitError)) throw err;
      const cause: UnitCause = opts.signal?.aborted ? 'cancelled' : 'busy';
      for (const r of reports) notSent(r, cause, (err as Error).message, this.elapsed(ctx), spec);
      return finish();
    }
    try {
      // each unit's state read waits for the one before it to be answered and its writes queued
      let gate: Promise<void> = Promise.resolve();
      const order = this.order(targets);
      const opens: (() => void)[] = [];
      const gates = order.map(() => {
        const after = gate;
        gate = new Promise<void>((resolve) => opens.push(resolve));
        return after;
      });
      // re-reads start once every unit's writes are queued (or its state read failed): a unit
      // re-read early would put its reads between another unit's state read and its writes
      ctx.allQueued = gate;
      await Promise.all(order.map((i, k) => this.runUnit(reports[i], ctx, gates[k], opens[k])));
      return finish();
    } finally {
      release();
    }
  }

  /**
   * Indices of `targets` in the order their state is read: units that answered lately first, then
   * those that never answered or whose last answer is more than STALE_MS older than the freshest
   * (a unit that died after answering); the given order within each group.
   */
  private order(targets: readonly CommandTarget[]): number[] {
    const seen = targets.map((t) => this.deps.lastAnswer?.(t.unit));
    const freshest = Math.max(...seen.map((s) => s ?? -Infinity));
    const rank = (i: number): number => {
      const s = seen[i];
      return s !== undefined && s >= freshest - STALE_MS ? 0 : 1;
    };
    return targets.map((_, i) => i).sort((a, b) => rank(a) - rank(b) || a - b);
  }

  private elapsed(ctx: RunContext): number {
    return Math.round(this.clock.now() - ctx.start);
  }

  private call(ctx: RunContext): ModbusCallOptions {
    return { owner: ctx.opts.owner, priority: ctx.spec.priority, deadlineMs: Math.max(1, ctx.deadlineAt - this.clock.now()), timeoutMs: ctx.opts.timeoutMs };
  }

  private async runUnit(rep: UnitReport, ctx: RunContext, gate: Promise<void>, openNext: () => void): Promise<void> {
    const { spec, opts } = ctx;
    let opened = false;
    const next = (): void => {
      if (opened) return;
      opened = true;
      openNext();
    };
    try {
      await gate;
      if (opts.signal?.aborted) return notSent(rep, 'cancelled', 'cancelled (node closing) before anything was sent', this.elapsed(ctx), spec);
      let before: Readings;
      try {
        before = await this.readState(rep.unit, stateFields(spec), ctx);
      } catch (err) {
        const cause = notSentCause(err);
        const why = `could not read the unit's state: ${(err as Error).message}`;
        return cause ? notSent(rep, cause, why, this.elapsed(ctx), spec) : notSent(rep, 'unreadable', why, this.elapsed(ctx), spec);
      }
      rep.before = before;
      rep.after = before;
      this.deps.modes?.record(rep.unit, numberOrNull(before.operating_mode), this.clock.now());
      // standby first: a unit in standby ignores commands, whatever its other registers say
      if (before.operating_mode === OPERATING_MODE.standby && spec.name !== 'operating' && spec.name !== 'standby') {
        return settle(rep, {
          action: 'refused',
          cause: 'standby',
          ms: this.elapsed(ctx),
          summary: 'nothing written: unit in standby',
          reason: 'unit is in standby (operating_mode reads 2): it ignores every command but "operating"',
        });
      }
      const needed = spec.writes.filter((w) => !writeConfirmed(w, before));
      rep.registers.already = spec.writes.filter((w) => !needed.includes(w)).map((w) => w.field);
      if (needed.length === 0) {
        return settle(rep, { ok: true, action: 'skipped', ms: this.elapsed(ctx), summary: summaryOf(spec, rep), reason: `already ${expectation(spec)}` });
      }
      const writing = this.writeUnit(rep.unit, needed, ctx);
      next();
      const outcomes = await writing;
      for (const o of outcomes) (o.sent ? rep.registers.written : rep.registers.notSent).push(...o.fields);
      rep.summary = summaryOf(spec, rep);
      const unsent = outcomes.find((o) => !o.sent);
      if (!outcomes.some((o) => o.sent)) {
        const cause = notSentCause(unsent?.error) ?? 'closed';
        return settle(rep, { action: 'not-sent', cause, ms: this.elapsed(ctx), reason: `not sent (${cause}): ${(unsent?.error as Error).message}` });
      }
      rep.action = 'written';
      this.deps.modes?.markDue(rep.unit);
      const refusedBy = outcomes.find((o) => o.error instanceof ModbusException);
      await this.verify(rep, ctx, outcomes);
      if (rep.ok) return;
      const notes: string[] = [];
      if (unsent) notes.push(`${unsent.fields.join(', ')} not sent (${notSentCause(unsent.error) ?? 'closed'}): ${(unsent.error as Error).message}`);
      if (refusedBy) notes.push(`the unit answered the write of ${refusedBy.fields.join(', ')}: ${(refusedBy.error as Error).message}`);
      if (notes.length > 0) rep.reason = `${rep.reason}; ${notes.join('; ')}`;
      if (refusedBy && rep.cause === 'not-verified') rep.cause = 'refused-write';
    } finally {
      next();
    }
  }

  /**
   * Re-reads the unit's confirming status until it confirms the command, or the deadline. Once
   * half the deadline has gone unconfirmed, one read takes the written registers' echo too, so
   * the report can tell "accepted the write and did nothing" from "the write did not take".
   */
  private async verify(rep: UnitReport, ctx: RunContext, outcomes: readonly WriteOutcome[]): Promise<void> {
    const { spec, opts, deadlineAt } = ctx;
    const interval = opts.verifyIntervalMs ?? 50;
    await ctx.allQueued;
    const echoAt = ctx.start + opts.deadlineMs / 2;
    let echoRead = false;
    let lastError: string | undefined;
    while (this.clock.now() < deadlineAt && !opts.signal?.aborted) {
      await this.clock.delay(Math.min(interval, deadlineAt - this.clock.now()), opts.signal);
      if (this.clock.now() >= deadlineAt || opts.signal?.aborted) break;
      const withEcho: boolean = !echoRead && this.clock.now() >= echoAt;
      try {
        const r = await this.readState(rep.unit, withEcho ? [...new Set([...confirmFields(spec), ...echoFields(spec)])] : confirmFields(spec), ctx);
        echoRead ||= withEcho;
        lastError = undefined;
        rep.after = { ...rep.after, ...r };
        if ('operating_mode' in r) this.deps.modes?.record(rep.unit, numberOrNull(r.operating_mode), this.clock.now());
        if (commandConfirmed(spec, r)) {
          settle(rep, { ok: true, cause: null, ms: this.elapsed(ctx), reason: '' });
          return;
        }
      } catch (err) {
        lastError = (err as Error).message;
      }
    }
    const why = opts.signal?.aborted ? 'cancelled (node closing)' : `not verified within ${opts.deadlineMs} ms`;
    const sentFields = new Set(outcomes.filter((o) => o.sent).flatMap((o) => o.fields));
    const shows = evidence(spec.writes.filter((w) => sentFields.has(w.field)), rep.after);
    settle(rep, {
      cause: opts.signal?.aborted ? 'cancelled' : 'not-verified',
      ms: this.elapsed(ctx),
      reason: `${why}: ${shows}; expected ${expectation(spec)}${lastError ? ` (last read: ${lastError})` : ''}`,
    });
  }

  private async readState(unit: number, fields: readonly string[], ctx: RunContext): Promise<Readings> {
    try {
      const r = await readFields(this.deps.client, unit, fields, this.deps.splits.forUnit(unit), this.call(ctx), this.deps.planOptions);
      ctx.transactions += r.transactions;
      return r.readings;
    } catch (err) {
      ctx.transactions += 1;
      throw err;
    }
  }

  /**
   * A unit's writes, queued together at once: adjacent registers in one function-16 write, others
   * one function-6 each. The arbiter retries one that went out unanswered (behind what is queued,
   * within the deadline); the outcome says whether it went out on the wire.
   */
  private writeUnit(unit: number, writes: readonly CommandWrite[], ctx: RunContext): Promise<WriteOutcome[]> {
    const call = { ...this.call(ctx), retries: ctx.opts.writeRetries ?? 2 };
    return Promise.all(
      writeGroups(writes).map(async (g): Promise<WriteOutcome> => {
        ctx.transactions += 1;
        try {
          await (g.values.length === 1 ? this.deps.client.writeRegister(unit, g.address, g.values[0], call) : this.deps.client.writeRegisters(unit, g.address, g.values, call));
          return { fields: g.fields, sent: true };
        } catch (err) {
          return { fields: g.fields, sent: notSentCause(err) === undefined, error: err };
        }
      }),
    );
  }
}

interface RunContext {
  spec: CommandSpec;
  opts: CommandRunOptions;
  start: number;
  deadlineAt: number;
  transactions: number;
  /** resolves once every unit's writes are queued or its state read failed */
  allQueued: Promise<void>;
}

export function writeGroups(writes: readonly Pick<CommandWrite, 'field' | 'value'>[]): { address: number; values: number[]; fields: string[] }[] {
  const sorted = writes.map((w) => ({ address: XW_TABLE.field(w.field).address, value: w.value, field: w.field })).sort((a, b) => a.address - b.address);
  const groups: { address: number; values: number[]; fields: string[] }[] = [];
  for (const w of sorted) {
    const last = groups[groups.length - 1];
    if (last && last.address + last.values.length === w.address) {
      last.values.push(w.value);
      last.fields.push(w.field);
    } else groups.push({ address: w.address, values: [w.value], fields: [w.field] });
  }
  return groups;
}

/** The counts and verdict of a command over its unit reports (also for reports merged across buses). */
export function commandReport(command: CommandName, units: UnitReport[], ms: number, transactions: number): CommandReport {
  const n = (a: UnitAction): number => units.filter((u) => u.action === a).length;
  return {
    command,
    ok: units.every((u) => u.ok),
    units,
    counts: { ok: units.filter((u) => u.ok).length, written: n('written'), skipped: n('skipped'), refused: n('refused'), notSent: n('not-sent') },
    ms,
    transactions,
  };
}

function emptyReport(t: CommandTarget, spec: CommandSpec): UnitReport {
  return {
    unit: t.unit,
    name: t.name,
    ok: false,
    action: 'not-sent',
    registers: { written: [], already: [], notSent: [] },
    summary: spec.writes.map((w) => `${w.label} → ${w.words[w.value]}`).join(', '),
    cause: null,
    before: null,
    after: null,
    ms: 0,
    reason: '',
  };
}

function settle(rep: UnitReport, patch: Partial<UnitReport>): void {
  Object.assign(rep, patch);
}

function notSent(rep: UnitReport, cause: UnitCause, reason: string, ms: number, spec: CommandSpec): void {
  rep.registers.notSent = spec.writes.map((w) => w.field);
  settle(rep, {
    ok: false,
    action: 'not-sent',
    cause,
    ms,
    reason,
    summary: `nothing written (${cause}): ${spec.writes.map((w) => `${w.label} → ${w.words[w.value]}`).join(', ')} not sent`,
  });
}

/** "charger on → off, sell off (already)"; a write not sent says so. */
function summaryOf(spec: CommandSpec, rep: UnitReport): string {
  return spec.writes
    .map((w) => {
      const to = w.words[w.value] ?? String(w.value);
      if (rep.registers.already.includes(w.field)) return `${w.label} ${to} (already)`;
      const v = rep.before?.[w.shownBy];
      const from = typeof v === 'number' ? (w.words[v] ?? String(v)) : '?';
      const change = `${w.label} ${from} → ${to}`;
      return rep.registers.notSent.includes(w.field) ? `${change} not sent` : change;
    })
    .join(', ');
}

/**
 * What the unit shows against what was written: "accepted the write: operating_mode 2 (Standby),
 * but inverter_status still 1025 (AC Pass Through)" — the echo of a write is reported, never taken
 * for proof.
 */
function evidence(writes: readonly CommandWrite[], r: Readings | null): string {
  if (!r) return 'the unit reports nothing (unreadable)';
  const shown = (field: string): string => {
    const v = r[field];
    const text = typeof v === 'number' ? XW_TABLE.field(field).enumText?.[v] : undefined;
    return `${field} ${v === null || v === undefined ? 'no value' : String(v)}${text ? ` (${text})` : ''}`;
  };
  const echoed = writes.filter((w) => r[w.field] === w.value);
  const notEchoed = writes.filter((w) => typeof r[w.field] === 'number' && r[w.field] !== w.value);
  const failing = [...new Set(writes.flatMap((w) => w.confirm.filter((c) => !holds(c, r)).map((c) => c.field)))];
  const still = failing.filter((f) => !writes.some((w) => w.field === f)).map(shown);
  const parts: string[] = [];
  if (echoed.length > 0) parts.push(`accepted the write: ${echoed.map((w) => shown(w.field)).join(', ')}`);
  if (notEchoed.length > 0) parts.push(`the write did not take: ${notEchoed.map((w) => shown(w.field)).join(', ')}`);
  if (still.length > 0) parts.push(`${echoed.length > 0 ? 'but ' : ''}${still.map((s) => s.replace(/^(\S+) /, '$1 still ')).join(', ')}`);
  if (parts.length === 0) parts.push(`unit reports ${failing.map(shown).join(', ')}`);
  return parts.join(', ');
}

function numberOrNull(v: Readings[string] | undefined): number | null {
  return typeof v === 'number' ? v : null;
}

