/**
 * THE command table: what each command writes and when a unit counts as having done it. Judged
 * from the status registers (a unit can acknowledge a write and not act), per the mapping in
 * shared reference xw-modbus.md "The operations of the original program, mapped".
 */
import { Priority } from '../bus/priority';
import type { Readings } from './decoder';
import { CHARGER_STATUS_DISABLED, DEVICE_STATE_OPERATING, OPERATING_MODE } from './enumTexts';

export const COMMAND_NAMES = ['start-charge', 'stop-charge', 'start-sell', 'stop-sell', 'rest', 'standby', 'operating'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

export interface CommandWrite {
  /** a writable field of the register table */
  field: string;
  value: number;
}

export interface CommandSpec {
  name: CommandName;
  /** arbiter class: standby / operating are the kill switch and its undo */
  priority: Priority;
  writes: readonly CommandWrite[];
  /** the fields `verified` looks at */
  verifyFields: readonly string[];
  /** the unit reports the wanted state */
  verified(r: Readings): boolean;
  /** the wanted state in words, for reports */
  expectation: string;
}

const on = (r: Readings, f: string): boolean => r[f] === 1;
const off = (r: Readings, f: string): boolean => r[f] === 0;

export const COMMANDS: Readonly<Record<CommandName, CommandSpec>> = {
  'start-charge': {
    name: 'start-charge',
    priority: Priority.Command,
    writes: [{ field: 'charger_enable_setting', value: 1 }],
    verifyFields: ['charger_enabled', 'charger_status'],
    verified: (r) => on(r, 'charger_enabled') && r.charger_status !== CHARGER_STATUS_DISABLED,
    expectation: 'charger_enabled 1 and charger_status not 776 (Charger Disabled)',
  },
  'stop-charge': {
    name: 'stop-charge',
    priority: Priority.Command,
    writes: [{ field: 'charger_enable_setting', value: 0 }],
    verifyFields: ['charger_enabled'],
    verified: (r) => off(r, 'charger_enabled'),
    expectation: 'charger_enabled 0',
  },
  'start-sell': {
    name: 'start-sell',
    priority: Priority.Command,
    writes: [{ field: 'sell_enable_setting', value: 1 }],
    verifyFields: ['sell_enabled'],
    verified: (r) => on(r, 'sell_enabled'),
    expectation: 'sell_enabled 1',
  },
  'stop-sell': {
    name: 'stop-sell',
    priority: Priority.Command,
    writes: [{ field: 'sell_enable_setting', value: 0 }],
    verifyFields: ['sell_enabled'],
    verified: (r) => off(r, 'sell_enabled'),
    expectation: 'sell_enabled 0',
  },
  // one operation: both enables written back to back, verified together (not stop-charge then stop-sell)
  rest: {
    name: 'rest',
    priority: Priority.Command,
    writes: [
      { field: 'charger_enable_setting', value: 0 },
      { field: 'sell_enable_setting', value: 0 },
    ],
    verifyFields: ['charger_enabled', 'sell_enabled'],
    verified: (r) => off(r, 'charger_enabled') && off(r, 'sell_enabled'),
    expectation: 'charger_enabled 0 and sell_enabled 0',
  },
  standby: {
    name: 'standby',
    priority: Priority.Critical,
    writes: [{ field: 'operating_mode', value: OPERATING_MODE.standby }],
    verifyFields: ['operating_mode'],
    verified: (r) => r.operating_mode === OPERATING_MODE.standby,
    expectation: 'operating_mode 2 (Standby)',
  },
  operating: {
    name: 'operating',
    priority: Priority.Critical,
    writes: [{ field: 'operating_mode', value: OPERATING_MODE.operating }],
    verifyFields: ['operating_mode', 'device_state'],
    verified: (r) => r.operating_mode === OPERATING_MODE.operating && r.device_state === DEVICE_STATE_OPERATING,
    expectation: 'operating_mode 3 (Operating) and device_state 3 (Operating)',
  },
};

export function isCommandName(s: string): s is CommandName {
  return (COMMAND_NAMES as readonly string[]).includes(s);
}

/** The seed's control codes (its runCommand(controlCode)), the default of xw-command's editable table. */
export const DEFAULT_CONTROL_CODES: Readonly<Record<number, CommandName>> = {
  0: 'rest',
  1: 'start-charge',
  2: 'stop-charge',
  3: 'start-sell',
  4: 'stop-sell',
  5: 'standby',
  6: 'operating',
};
