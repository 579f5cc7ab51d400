/**
 * Finds the XW units answering on a bus: one short read of Device State per address, in the
 * background class so polls and commands go first. Any Modbus answer (even an exception) means
 * a device is there; a timeout means none.
 */
import { ModbusException } from '../bus/errors';
import { Priority } from '../bus/priority';
import { decodeFields, storeRead } from './decoder';
import type { RegisterClient } from './registerClient';
import { XW_TABLE } from './registerTable';

export interface FoundUnit {
  unit: number;
  /** Device State text (the register table's words), or in English the exception that answered */
  state: string;
  /** the Modbus exception code a unit answered with, for the editor to say in its language (xw-inverter.scan.exception) */
  exception?: number;
}

export async function scanUnits(client: RegisterClient, from: number, to: number, opts: { owner: string; timeoutMs: number }): Promise<FoundUnit[]> {
  const found: FoundUnit[] = [];
  const field = XW_TABLE.field('device_state');
  const reads = [];
  for (let unit = from; unit <= to; unit++) {
    reads.push(
      client
        .readHoldingRegisters(unit, field.address, 1, { owner: opts.owner, priority: Priority.Background, timeoutMs: opts.timeoutMs, retries: 0, probe: true })
        .then(
          (values) => {
            const regs = new Map<number, number>();
            storeRead(regs, field.address, values);
            found.push({ unit, state: String(decodeFields([field], regs).device_state_text ?? 'no value') });
          },
          (err: unknown) => {
            if (err instanceof ModbusException) found.push({ unit, state: `answered with exception ${err.code}`, exception: err.code });
          },
        ),
    );
  }
  await Promise.all(reads);
  return found.sort((a, b) => a.unit - b.unit);
}
