/**
 * The part of the Modbus client (lib/modbus/modbusClient.ts) the XW layer uses, as an interface
 * so the planner, poller and verified writer run against a fake in unit tests.
 */
import type { ModbusCallOptions } from '../modbus/modbusClient';

export type { ModbusCallOptions } from '../modbus/modbusClient';

export interface RegisterClient {
  readHoldingRegisters(unit: number, address: number, count: number, opts: ModbusCallOptions): Promise<number[]>;
  writeRegister(unit: number, address: number, value: number, opts: ModbusCallOptions): Promise<void>;
  writeRegisters(unit: number, address: number, values: number[], opts: ModbusCallOptions): Promise<void>;
}
