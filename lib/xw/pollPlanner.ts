/**
 * Plans the reads of a set of wanted fields: the fewest, cheapest function-3 reads of at most
 * 125 registers, reading across undocumented gaps when that is cheaper than another transaction
 * (as Telegraf's and OpenEMS's Modbus readers do), and never across a cut the unit taught us.
 */
import type { BusSettings } from '../bus/busSettings';
import { charTimeMs, FORMAT_8N1, type CharFormat } from '../bus/wireTiming';
import type { FieldDef } from './registerTypes';
import { XW_TABLE } from './registerTable';
import type { RegisterTable } from './tableCheck';
import type { UnitSplits } from './unitSplits';

/** Modbus limit for one read of holding registers (Modbus Application Protocol V1.1b3, 6.3). */
export const MAX_READ_REGISTERS = 125;

export interface PlannedRead {
  address: number;
  count: number;
  fields: FieldDef[];
}

export interface PlanOptions {
  /** at most this many registers per read; default 125 */
  maxRegisters?: number;
  /**
   * cost of one more transaction beyond its frame bytes, in character times: two t3.5 silences
   * (7) plus the unit's turnaround. Default 26 (19200 8N1 with 10 ms turnaround).
   */
  overheadChars?: number;
}

/** Plan options from the line settings: what a transaction costs in characters. */
export function planOptionsFor(baudRate: number, turnaroundMs: number, format: CharFormat = FORMAT_8N1): PlanOptions {
  return { overheadChars: 7 + turnaroundMs / charTimeMs(baudRate, format) };
}

/**
 * The XW's turnaround (request end to reply start), ms. No official figure (xw-modbus.md "Reaching
 * the units"); 10 ms is the planner's long-standing assumption, kept as one named value.
 */
export const XW_TURNAROUND_MS = 10;

/**
 * Plan options for the bus the reads go on: its baud rate and character format (a serial port;
 * behind a TCP serial server or a Modbus TCP gateway, the line baud rate it is configured with,
 * 19200 when not), its extra pause after every transaction, and the unit's turnaround.
 */
export function planOptionsForBus(settings: Pick<BusSettings, 'link' | 'pauseMs'>): PlanOptions {
  const link = settings.link;
  const baud = link.kind === 'serial' ? link.baudRate : link.kind === 'tcp' ? (link.lineBaudRate ?? 19200) : 19200;
  const format = link.kind === 'serial' ? link.format : FORMAT_8N1;
  return planOptionsFor(baud, XW_TURNAROUND_MS + settings.pauseMs, format);
}

/** Wire cost of reading `count` registers in one transaction, in character times. */
function readCost(count: number, overheadChars: number): number {
  return 8 + 5 + 2 * count + overheadChars;
}

/** The reads for `wanted` on a unit (with what it taught us in `splits`), in address order. */
export function pollPlan(wanted: Iterable<string>, splits?: UnitSplits, options: PlanOptions = {}, table: RegisterTable = XW_TABLE): PlannedRead[] {
  const max = options.maxRegisters ?? MAX_READ_REGISTERS;
  const overhead = options.overheadChars ?? 26;
  const names = new Set(wanted);
  const fields = table.fields.filter((f) => names.has(f.name) && !splits?.unsupported.has(f.name));
  for (const n of names) table.field(n); // throws on an unknown name
  const barriers = [...(splits?.barriers ?? [])];
  const n = fields.length;
  if (n === 0) return [];

  const cuts = (j: number, i: number): boolean => barriers.some((b) => fields[j].address < b && b <= fields[i].address);
  // best[i]: cheapest cost of reading fields[0..i-1]; from[i]: start index of the last read
  const best = new Array<number>(n + 1).fill(Infinity);
  const from = new Array<number>(n + 1).fill(-1);
  best[0] = 0;
  for (let i = 1; i <= n; i++) {
    for (let j = i - 1; j >= 0; j--) {
      const span = fields[i - 1].end - fields[j].address;
      if (span > max) break;
      if (cuts(j, i - 1)) break;
      const c = best[j] + readCost(span, overhead);
      if (c < best[i]) {
        best[i] = c;
        from[i] = j;
      }
    }
  }
  const reads: PlannedRead[] = [];
  for (let i = n; i > 0; i = from[i]) {
    const j = from[i];
    const group = fields.slice(j, i);
    reads.push({ address: group[0].address, count: group[group.length - 1].end - group[0].address, fields: group });
  }
  return reads.reverse();
}
