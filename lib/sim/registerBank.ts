/**
 * A plain in-memory Modbus device for tests: some units, each with a sparse set of holding
 * registers. An address not in the set answers exception 2 (illegal data address), as real
 * devices do for holes in their map.
 */
import type { ModbusDeviceModel } from './modbusSlave';
import { EXCEPTION } from './modbusRequest';

export class RegisterBank implements ModbusDeviceModel {
  private readonly units = new Map<number, Map<number, number>>();

  /** `registers`: unit -> { address: value } */
  constructor(registers: Record<number, Record<number, number>> = {}) {
    for (const [unit, map] of Object.entries(registers)) {
      for (const [address, value] of Object.entries(map)) this.set(Number(unit), Number(address), value);
    }
  }

  addUnit(unit: number): this {
    if (!this.units.has(unit)) this.units.set(unit, new Map());
    return this;
  }

  /** defines (or changes) a register, adding the unit if needed */
  set(unit: number, address: number, value: number): this {
    this.addUnit(unit);
    this.units.get(unit)?.set(address, value & 0xffff);
    return this;
  }

  /** defines `values.length` consecutive registers from `address` */
  setRange(unit: number, address: number, values: number[]): this {
    values.forEach((v, i) => this.set(unit, address + i, v));
    return this;
  }

  get(unit: number, address: number): number | undefined {
    return this.units.get(unit)?.get(address);
  }

  hasUnit(unit: number): boolean {
    return this.units.has(unit);
  }

  readHolding(unit: number, address: number, count: number): number[] | { exception: number } {
    const regs = this.units.get(unit);
    const values: number[] = [];
    for (let a = address; a < address + count; a++) {
      const v = regs?.get(a);
      if (v === undefined) return { exception: EXCEPTION.illegalDataAddress };
      values.push(v);
    }
    return values;
  }

  write(unit: number, address: number, values: number[]): { exception: number } | void {
    const regs = this.units.get(unit);
    // all or nothing: check every address before changing any
    for (let i = 0; i < values.length; i++) {
      if (!regs?.has(address + i)) return { exception: EXCEPTION.illegalDataAddress };
    }
    values.forEach((v, i) => regs?.set(address + i, v & 0xffff));
  }
}
