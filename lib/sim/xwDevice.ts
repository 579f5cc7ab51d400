/**
 * Conext XW units as a Modbus device model for the slave simulator (lib/sim/modbusSlave.ts):
 * several unit ids behind one port, like an RS485 bus or a ComBox/Gateway on Modbus TCP.
 */
import { systemScheduler, type Scheduler } from '../time/scheduler';
import type { ModbusDeviceModel } from './modbusSlave';
import { XwUnitSim, type XwUnitOptions } from './xwUnitSim';

export type { XwUnitOptions } from './xwUnitSim';

export class XwDevice implements ModbusDeviceModel {
  private readonly units = new Map<number, XwUnitSim>();
  private readonly dead = new Set<number>();

  /** `units`: unit address → options (or a list of addresses with default options) */
  constructor(units: Record<number, XwUnitOptions> | readonly number[], defaults: XwUnitOptions = {}, clock: Pick<Scheduler, 'now'> = systemScheduler) {
    const entries: [number, XwUnitOptions][] = Array.isArray(units) ? units.map((u) => [u, {}]) : Object.entries(units).map(([u, o]) => [Number(u), o]);
    for (const [u, o] of entries) this.units.set(u, new XwUnitSim(u, { ...defaults, ...o }, clock));
  }

  unit(address: number): XwUnitSim {
    const u = this.units.get(address);
    if (!u) throw new Error(`no simulated XW unit ${address}`);
    return u;
  }

  /** A dead unit never answers (as if unplugged from the bus). */
  setDead(unit: number, dead: boolean): void {
    if (dead) this.dead.add(unit);
    else this.dead.delete(unit);
  }

  hasUnit(unit: number): boolean {
    return this.units.has(unit) && !this.dead.has(unit);
  }

  readHolding(unit: number, address: number, count: number): number[] | { exception: number } {
    return this.unit(unit).readHolding(address, count);
  }

  write(unit: number, address: number, values: number[]): { exception: number } | void {
    return this.unit(unit).write(address, values);
  }
}
