/**
 * Reads a set of fields from one unit: plans the reads, submits them together (the arbiter puts
 * them back to back), and when the unit answers a merged read with an illegal-address exception,
 * remembers the cut for that unit and re-reads the affected fields in smaller reads at once.
 */
import { ModbusException } from '../bus/errors';
import { decodeFields, storeRead, type Readings } from './decoder';
import { pollPlan, type PlanOptions, type PlannedRead } from './pollPlanner';
import type { ModbusCallOptions, RegisterClient } from './registerClient';
import { XW_TABLE } from './registerTable';
import { recordException, type UnitSplits } from './unitSplits';

/** Exceptions that mean "this read spans something the unit does not have": split and retry. */
const SPLIT_ON = new Set([2, 3]);
/** at most this many rounds of splitting in one call (a 125-register read halves to one field in 7) */
const MAX_ROUNDS = 10;

export interface FieldReadResult {
  readings: Readings;
  /** transactions used (including the ones answered with an exception) */
  transactions: number;
}

export async function readFields(
  client: RegisterClient,
  unit: number,
  wanted: readonly string[],
  splits: UnitSplits,
  call: ModbusCallOptions,
  planOptions?: PlanOptions,
): Promise<FieldReadResult> {
  const regs = new Map<number, number>();
  let pending = new Set(wanted);
  let transactions = 0;
  for (let round = 0; pending.size > 0 && round < MAX_ROUNDS; round++) {
    const plan = pollPlan(pending, splits, planOptions);
    const outcomes = await Promise.allSettled(plan.map((r) => client.readHoldingRegisters(unit, r.address, r.count, call)));
    transactions += plan.length;
    const again = new Set<string>();
    let failure: unknown;
    outcomes.forEach((o, i) => {
      const read: PlannedRead = plan[i];
      if (o.status === 'fulfilled') return storeRead(regs, read.address, o.value);
      if (o.reason instanceof ModbusException && SPLIT_ON.has(o.reason.code)) {
        if (recordException(read.fields, splits) === 'split') read.fields.forEach((f) => again.add(f.name));
        return;
      }
      failure ??= o.reason;
    });
    if (failure !== undefined) throw failure;
    pending = again;
  }
  const names = new Set(wanted);
  const fields = XW_TABLE.fields.filter((f) => names.has(f.name));
  return { readings: decodeFields(fields, regs), transactions };
}
