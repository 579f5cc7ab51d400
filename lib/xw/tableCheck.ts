/**
 * Checks the register table when it is built, after OpenEMS's Modbus tasks: entries tile their
 * block exactly, blocks do not overlap, names are unique — so a wrong map fails at load with
 * "got X, expected Y" rather than on the bus.
 */
import { registerWidth, type BlockSpec, type FieldDef, type FieldSpec, type ReservedSpec } from './registerTypes';

export interface RegisterTable {
  /** all fields in address order */
  readonly fields: readonly FieldDef[];
  readonly blocks: readonly BlockSpec[];
  field(name: string): FieldDef;
  has(name: string): boolean;
  /** the block holding an address, or undefined */
  blockAt(address: number): BlockSpec | undefined;
}

const hex = (n: number): string => `${n} (0x${n.toString(16).padStart(4, '0').toUpperCase()})`;
const NAME = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;

function isReserved(e: FieldSpec | ReservedSpec): e is ReservedSpec {
  return 'reserved' in e;
}

export function buildRegisterTable(blocks: readonly BlockSpec[]): RegisterTable {
  const fields: FieldDef[] = [];
  const byName = new Map<string, FieldDef>();
  const sorted = [...blocks].sort((a, b) => a.first - b.first);
  for (let i = 0; i < sorted.length; i++) {
    const b = sorted[i];
    if (b.last < b.first) throw new Error(`register table: block ${b.name} ends before it starts: got last ${hex(b.last)}, expected >= ${hex(b.first)}`);
    const prev = sorted[i - 1];
    if (prev && b.first <= prev.last) {
      throw new Error(`register table: block ${b.name} overlaps block ${prev.name}: got first ${hex(b.first)}, expected > ${hex(prev.last)}`);
    }
    if (!b.source) throw new Error(`register table: block ${b.name} has no source`);
    let expected = b.first;
    for (const e of b.entries) {
      const label = isReserved(e) ? `reserved span` : e.name;
      if (e.address !== expected) {
        throw new Error(`register table: block ${b.name}, ${label}: got address ${hex(e.address)}, expected ${hex(expected)}`);
      }
      if (isReserved(e)) {
        if (!Number.isInteger(e.reserved) || e.reserved < 1) throw new Error(`register table: block ${b.name}, reserved span at ${hex(e.address)}: got ${e.reserved} registers, expected >= 1`);
        expected += e.reserved;
        continue;
      }
      if (!NAME.test(e.name)) throw new Error(`register table: field name got "${e.name}", expected snake_case`);
      if (byName.has(e.name)) throw new Error(`register table: field ${e.name} declared twice: got ${hex(e.address)}, expected only ${hex(byName.get(e.name)!.address)}`);
      if (e.enumText && registerWidth(e.type) !== 1) throw new Error(`register table: ${e.name} has enum text: got type ${e.type}, expected u16 or i16`);
      const width = registerWidth(e.type);
      const def: FieldDef = { ...e, width, block: b.name, end: e.address + width };
      fields.push(def);
      byName.set(e.name, def);
      expected += width;
    }
    if (expected !== b.last + 1) {
      throw new Error(`register table: block ${b.name} entries end at ${hex(expected - 1)}: got ${hex(expected - 1)}, expected ${hex(b.last)}`);
    }
  }
  return {
    fields,
    blocks: sorted,
    field(name: string): FieldDef {
      const f = byName.get(name);
      if (!f) throw new Error(`unknown XW field "${name}"`);
      return f;
    },
    has: (name: string) => byName.has(name),
    blockAt: (address: number) => sorted.find((b) => address >= b.first && address <= b.last),
  };
}
