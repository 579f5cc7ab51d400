/**
 * THE command table: what each command writes, and what in the unit's own status proves each
 * write was acted on. Data, in one place, so evidence from a real unit changes one line.
 *
 * Source: shared reference xw-modbus.md "The operations of the original program, mapped"
 * (corrected): standby is confirmed by Operating Mode reading 2 AND Inverter Status 1032
 * "Inverter Standby"; operating by Operating Mode 3, Device State 3 and Inverter Status no longer
 * 1032. A unit may accept a write and not act on it ("stuck", same sheet), so the register a
 * command writes is never its own proof: every write names at least one status field that is not
 * the written register (checked when this module loads).
 */
import { Priority } from '../bus/priority';
import type { Readings } from './decoder';
import {
  CHARGER_STATUS_DISABLED,
  DEVICE_STATE_OPERATING,
  INVERTER_STATUS_STANDBY,
  OPERATING_MODE,
} from './enumTexts';
import { XW_TABLE } from './registerTable';

export const COMMAND_NAMES = ['start-charge', 'stop-charge', 'start-sell', 'stop-sell', 'rest', 'standby', 'operating'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

/** One status check: `field` equals `equals`, or (with `not`) differs from it. */
export interface Confirm {
  field: string;
  equals?: number;
  not?: number;
}

export interface CommandWrite {
  /** a writable field of the register table */
  field: string;
  value: number;
  /** what a person calls the register ("charger") */
  label: string;
  /** words for the register's values ("on", "off") */
  words: Readonly<Record<number, string>>;
  /** the status field whose value, in `words`, is the state before ("charger on → off") */
  shownBy: string;
  /** all must hold for the write to count as acted on (and for it to be skipped as already right) */
  confirm: readonly Confirm[];
}

export interface CommandSpec {
  name: CommandName;
  /** arbiter class: standby / operating are the kill switch and its undo */
  priority: Priority;
  writes: readonly CommandWrite[];
}

const ON_OFF: Readonly<Record<number, string>> = { 0: 'off', 1: 'on' };
const MODE_WORDS: Readonly<Record<number, string>> = { [OPERATING_MODE.standby]: 'standby', [OPERATING_MODE.operating]: 'operating' };

const charger = (value: 0 | 1): CommandWrite => ({
  field: 'charger_enable_setting',
  value,
  label: 'charger',
  words: ON_OFF,
  shownBy: 'charger_enabled',
  // on: enabled and not "Charger Disabled"; off: the status bit alone (768 or 776 both fine)
  confirm: value === 1 ? [{ field: 'charger_enabled', equals: 1 }, { field: 'charger_status', not: CHARGER_STATUS_DISABLED }] : [{ field: 'charger_enabled', equals: 0 }],
});

const sell = (value: 0 | 1): CommandWrite => ({
  field: 'sell_enable_setting',
  value,
  label: 'sell',
  words: ON_OFF,
  shownBy: 'sell_enabled',
  confirm: [{ field: 'sell_enabled', equals: value }],
});

const STANDBY: CommandWrite = {
  field: 'operating_mode',
  value: OPERATING_MODE.standby,
  label: 'operating mode',
  words: MODE_WORDS,
  shownBy: 'operating_mode',
  confirm: [
    { field: 'operating_mode', equals: OPERATING_MODE.standby },
    { field: 'inverter_status', equals: INVERTER_STATUS_STANDBY },
  ],
};

const OPERATING: CommandWrite = {
  field: 'operating_mode',
  value: OPERATING_MODE.operating,
  label: 'operating mode',
  words: MODE_WORDS,
  shownBy: 'operating_mode',
  confirm: [
    { field: 'operating_mode', equals: OPERATING_MODE.operating },
    { field: 'device_state', equals: DEVICE_STATE_OPERATING },
    { field: 'inverter_status', not: INVERTER_STATUS_STANDBY },
  ],
};

export const COMMANDS: Readonly<Record<CommandName, CommandSpec>> = checkCommands({
  'start-charge': { name: 'start-charge', priority: Priority.Command, writes: [charger(1)] },
  'stop-charge': { name: 'stop-charge', priority: Priority.Command, writes: [charger(0)] },
  'start-sell': { name: 'start-sell', priority: Priority.Command, writes: [sell(1)] },
  'stop-sell': { name: 'stop-sell', priority: Priority.Command, writes: [sell(0)] },
  // one operation: both enables written back to back, verified together (not stop-charge then stop-sell)
  rest: { name: 'rest', priority: Priority.Command, writes: [charger(0), sell(0)] },
  standby: { name: 'standby', priority: Priority.Critical, writes: [STANDBY] },
  operating: { name: 'operating', priority: Priority.Critical, writes: [OPERATING] },
});

/** The condition holds in `r` (a field that reads no value never confirms anything). */
export function holds(c: Confirm, r: Readings): boolean {
  const v = r[c.field];
  if (typeof v !== 'number') return false;
  return c.not !== undefined ? v !== c.not : v === c.equals;
}

/** The unit shows this write acted on. */
export function writeConfirmed(w: CommandWrite, r: Readings): boolean {
  return w.confirm.every((c) => holds(c, r));
}

/** The unit shows every write of the command acted on. */
export function commandConfirmed(spec: CommandSpec, r: Readings): boolean {
  return spec.writes.every((w) => writeConfirmed(w, r));
}

/** The status fields that confirm a command. */
export function confirmFields(spec: CommandSpec): string[] {
  return [...new Set(spec.writes.flatMap((w) => w.confirm.map((c) => c.field)))];
}

/** What a command reads before writing: its evidence, the before-state of each write, and Operating Mode (standby refuses). */
export function stateFields(spec: CommandSpec): string[] {
  return [...new Set([...confirmFields(spec), ...spec.writes.map((w) => w.shownBy), 'operating_mode'])];
}

/** The written registers themselves: their echo says the write arrived, never that it was acted on. */
export function echoFields(spec: CommandSpec): string[] {
  return [...new Set(spec.writes.map((w) => w.field))];
}

/** A condition in words, with the enum text when the table has one ("inverter_status 1032 (Inverter Standby)"). */
export function conditionText(c: Confirm): string {
  const v = c.not ?? c.equals;
  const text = v === undefined ? undefined : XW_TABLE.field(c.field).enumText?.[v];
  return `${c.field} ${c.not !== undefined ? 'not ' : ''}${String(v)}${text ? ` (${text})` : ''}`;
}

/** What the command expects, in words: "operating_mode 2 (Standby) and inverter_status 1032 (Inverter Standby)". */
export function expectation(spec: CommandSpec): string {
  return spec.writes.flatMap((w) => w.confirm.map(conditionText)).join(' and ');
}

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

/** Load-time check: fields exist, writes are writable, and no write is proven by its own register alone. */
function checkCommands<T extends Record<CommandName, CommandSpec>>(commands: T): T {
  for (const spec of Object.values(commands)) {
    for (const w of spec.writes) {
      if (!XW_TABLE.field(w.field).writable) throw new Error(`command ${spec.name}: ${w.field} is not writable`);
      XW_TABLE.field(w.shownBy);
      for (const c of w.confirm) {
        XW_TABLE.field(c.field);
        if ((c.equals === undefined) === (c.not === undefined)) throw new Error(`command ${spec.name}: confirm on ${c.field} needs exactly one of equals / not`);
      }
      if (!w.confirm.some((c) => c.field !== w.field)) throw new Error(`command ${spec.name}: ${w.field} is confirmed only by its own echo; name a status field`);
    }
  }
  return commands;
}
