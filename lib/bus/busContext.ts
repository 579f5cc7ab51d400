import type { Bus } from './bus';

/**
 * What the layers above keep per physical bus — its Modbus client, the XW read splits and unit
 * locks, the KACO sleep policies — created on first use and gone with the bus (the registry
 * owns the bus, so a redeploy that closes it starts them afresh). A slot is any object naming one
 * kind of state and how to make it.
 */
export interface ContextSlot<T> {
  /** for diagnostics */
  readonly name: string;
  create(bus: Bus): T;
}

export class BusContext {
  private readonly values = new Map<ContextSlot<unknown>, unknown>();

  constructor(private readonly bus: Bus) {}

  get<T>(slot: ContextSlot<T>): T {
    if (this.values.has(slot)) return this.values.get(slot) as T;
    const value = slot.create(this.bus);
    this.values.set(slot, value);
    return value;
  }

  /** the slots in use, by name */
  names(): string[] {
    return [...this.values.keys()].map((s) => s.name);
  }
}
