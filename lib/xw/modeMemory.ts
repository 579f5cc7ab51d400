/**
 * What is known of each unit's Operating Mode (0x0166) between its reads. It changes only by
 * command, so the poller reads it at start, after a command and on a slow cadence instead of in
 * every cycle (one read per unit per cycle); the command writer, which reads it anyway, tells
 * this memory what it saw and that a fresh read is due. One memory per bus, shared by the nodes.
 */
import type { Bus } from '../bus/bus';
import type { ContextSlot } from '../bus/busContext';

export interface KnownMode {
  value: number | null;
  /** clock ms (the poller's clock) of the read */
  at: number;
}

export class ModeMemory {
  private readonly known = new Map<number, KnownMode>();
  private readonly due = new Set<number>();

  get(unit: number): KnownMode | undefined {
    return this.known.get(unit);
  }

  record(unit: number, value: number | null, at: number): void {
    this.known.set(unit, { value, at });
  }

  /** a command ran on the unit: the next poll cycle reads Operating Mode again */
  markDue(unit: number): void {
    this.due.add(unit);
  }

  /** true once per markDue */
  takeDue(unit: number): boolean {
    return this.due.delete(unit);
  }
}

const MODE_MEMORY_SLOT: ContextSlot<ModeMemory> = { name: 'mode memory', create: () => new ModeMemory() };
/** One mode memory per bus, in its context. */
export function modeMemoryFor(bus: Bus): ModeMemory {
  return bus.context.get(MODE_MEMORY_SLOT);
}
