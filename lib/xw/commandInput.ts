/**
 * What an xw-command input asks for, checked before anything reaches the wire: the command (a
 * name, a control code, or {command} / {controlCode}) and the units (msg.inverter narrows).
 */
import { ConfigError } from '../bus/errors';
import { COMMAND_NAMES, isCommandName, type CommandName } from './commandTable';
import type { CommandTarget } from './verifiedWriter';

/** control code → command, as edited in the node */
export type ControlCodeTable = ReadonlyMap<number, CommandName>;

export interface ControlCodeRow {
  code: number | string;
  command: string;
}

/** Checks the node's table: integer codes, each once, known commands. */
export function controlCodeTable(rows: readonly ControlCodeRow[]): ControlCodeTable {
  if (!Array.isArray(rows)) throw new ConfigError('control code table must be a list of {code, command}');
  const table = new Map<number, CommandName>();
  for (const row of rows) {
    const code = typeof row?.code === 'string' && row.code.trim() !== '' ? Number(row.code) : row?.code;
    if (typeof code !== 'number' || !Number.isInteger(code)) throw new ConfigError(`control code table: code must be an integer, got ${JSON.stringify(row?.code)}`);
    if (table.has(code)) throw new ConfigError(`control code table: code ${code} appears twice`);
    const command = String(row.command ?? '').trim();
    if (!isCommandName(command)) throw new ConfigError(`control code table: code ${code} names unknown command "${command}"; expected one of ${COMMAND_NAMES.join(', ')}`);
    table.set(code, command);
  }
  return table;
}

function describeTable(table: ControlCodeTable): string {
  return [...table].map(([c, n]) => `${c} ${n}`).join(', ');
}

function fromCode(code: unknown, table: ControlCodeTable): CommandName {
  if (typeof code !== 'number' || !Number.isFinite(code)) throw new ConfigError(`control code must be a number, got ${JSON.stringify(code)}`);
  if (!Number.isInteger(code)) throw new ConfigError(`control code must be an integer, got ${code}`);
  const name = table.get(code);
  if (!name) throw new ConfigError(`unknown control code ${code}; this node knows ${describeTable(table)}`);
  return name;
}

function fromName(name: string, table: ControlCodeTable): CommandName {
  const s = name.trim();
  if (/^[-+]?\d*\.?\d+$/.test(s)) return fromCode(Number(s), table);
  const lower = s.toLowerCase();
  if (isCommandName(lower)) return lower;
  throw new ConfigError(`unknown command "${name}"; expected one of ${COMMAND_NAMES.join(', ')} or a control code (${describeTable(table)})`);
}

/** The command asked for by msg.payload. */
export function parseCommand(payload: unknown, table: ControlCodeTable): CommandName {
  if (typeof payload === 'string') return fromName(payload, table);
  if (typeof payload === 'number') return fromCode(payload, table);
  if (payload && typeof payload === 'object' && !Array.isArray(payload)) {
    const o = payload as Record<string, unknown>;
    const hasCommand = o.command !== undefined;
    const hasCode = o.controlCode !== undefined;
    if (hasCommand && hasCode) throw new ConfigError('msg.payload has both command and controlCode; give one');
    if (hasCommand) {
      if (typeof o.command !== 'string') throw new ConfigError(`msg.payload.command must be a command name, got ${JSON.stringify(o.command)}`);
      return fromName(o.command, table);
    }
    if (hasCode) return typeof o.controlCode === 'string' ? fromName(o.controlCode, table) : fromCode(o.controlCode, table);
  }
  throw new ConfigError(`msg.payload must be a command name, a control code, or {command} / {controlCode}; got ${JSON.stringify(payload) ?? String(payload)}`);
}

/** The node's units narrowed by msg.inverter (a name, a unit address, or a list of them); all when absent. */
export function selectTargets(units: readonly CommandTarget[], inverter: unknown): CommandTarget[] {
  if (inverter === undefined || inverter === null || inverter === '') return [...units];
  const wanted = Array.isArray(inverter) ? inverter : [inverter];
  if (wanted.length === 0) throw new ConfigError('msg.inverter is an empty list: no unit to drive');
  const chosen = new Set<CommandTarget>();
  for (const w of wanted) {
    let match: CommandTarget | undefined;
    if (typeof w === 'number' || (typeof w === 'string' && /^\d+$/.test(w.trim()))) {
      const n = Number(w);
      match = units.find((u) => u.unit === n) ?? (typeof w === 'string' ? units.find((u) => u.name === w) : undefined);
    } else if (typeof w === 'string') {
      const s = w.trim().toLowerCase();
      match = units.find((u) => u.name.toLowerCase() === s);
    } else {
      throw new ConfigError(`msg.inverter must be a unit name, a unit address or a list of them; got ${JSON.stringify(w)}`);
    }
    if (!match) throw new ConfigError(`msg.inverter ${JSON.stringify(w)} matches none of this node's units (${units.map((u) => `${u.name} = ${u.unit}`).join(', ')})`);
    chosen.add(match);
  }
  return units.filter((u) => chosen.has(u));
}

/** A Modbus unit address as configured: integer 1–247. */
export function checkUnitAddress(value: unknown): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 247) throw new ConfigError(`unit address must be an integer 1–247, got ${JSON.stringify(value)}`);
  return n;
}
