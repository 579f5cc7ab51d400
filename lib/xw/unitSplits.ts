/**
 * What the planner has learnt about one unit: where merged reads must be cut (the unit answered
 * a read across that address with an exception) and which fields the unit refuses even alone.
 */
import type { Bus } from '../bus/bus';
import type { ContextSlot } from '../bus/busContext';
import type { FieldDef } from './registerTypes';

export class UnitSplits {
  /** no read may hold a field below and a field at-or-above one of these addresses */
  readonly barriers = new Set<number>();
  /** fields this unit answers with an exception even when read alone (reported as null) */
  readonly unsupported = new Set<string>();
}

/** Split memory of the units of one bus, keyed by unit address. */
export class SplitMemory {
  private readonly units = new Map<number, UnitSplits>();
  forUnit(unit: number): UnitSplits {
    let s = this.units.get(unit);
    if (!s) this.units.set(unit, (s = new UnitSplits()));
    return s;
  }
}

const READ_SPLITS_SLOT: ContextSlot<SplitMemory> = { name: 'read splits', create: () => new SplitMemory() };
/** One split memory per bus (in its context), shared by the poller and the command writer. */
export function splitMemoryFor(bus: Bus): SplitMemory {
  return bus.context.get(READ_SPLITS_SLOT);
}

/**
 * A unit answered a read of `fields` with an illegal-address exception: remember a cut. A read
 * across documented blocks is cut at the block starts; a read inside one block is halved; a
 * single field is marked unsupported. Repeated exceptions so converge on the fields the unit has.
 */
export function recordException(fields: readonly FieldDef[], splits: UnitSplits): 'split' | 'unsupported' {
  if (fields.length <= 1) {
    for (const f of fields) splits.unsupported.add(f.name);
    return 'unsupported';
  }
  const blocks = new Set(fields.map((f) => f.block));
  if (blocks.size > 1) {
    fields.forEach((f, i) => {
      if (i > 0 && f.block !== fields[i - 1].block) splits.barriers.add(f.address);
    });
    return 'split';
  }
  splits.barriers.add(fields[Math.floor(fields.length / 2)].address);
  return 'split';
}
