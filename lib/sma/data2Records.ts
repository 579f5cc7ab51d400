/**
 * Records of an SMAData2+ reply: code LE32 (type | LRI | class), time LE32, value(s). In a
 * reply, first/last (payload offsets 0/4) are the index range of the records returned; the
 * record size follows from the payload length. NaN markers (SBFspot nan.h) mean "not
 * available" and are left out. Source: SBFspot getInverterData, jollyjinx/sma2mqtt,
 * SBFspot #535 (shared/reference/sma.md §2.6).
 */
import type { Data2Packet } from './data2Packet';
import { fail, ok, type Parsed } from './parsed';

export interface Data2Record {
  lri: number;
  /** string / MPPT number */
  cls: number;
  /** bits 31–24 of the code: 0x00 unsigned, 0x40 signed, 0x08 status, 0x10 string */
  dataType: number;
  time: number;
  /** the value; undefined when the device marks it not available */
  value: number | undefined;
  /** status records: the selected tag */
  tag?: number;
  /** text records */
  text?: string;
}

export const NAN_S32 = 0x80000000;
export const NAN_U32 = 0xffffffff;
export const NAN_U64 = 0xffffffffffffffffn;
export const NAN_S64 = 0x8000000000000000n;
const STATUS_END = 0xfffffe;

export function decodeRecords(packet: Data2Packet): Parsed<Data2Record[]> {
  const p = packet.payload;
  if (p.length < 8) return fail(`reply payload of ${p.length} bytes has no record range`);
  const first = p.readUInt32LE(0);
  const last = p.readUInt32LE(4);
  const count = last - first + 1;
  const bytes = p.length - 8;
  if (count <= 0 || count > 64) return fail(`record range ${first}…${last}`);
  if (bytes % count !== 0) return fail(`${bytes} record bytes do not split into ${count} records`);
  const size = bytes / count;
  if (size !== 16 && size !== 28 && size !== 40) return fail(`record size ${size}, expected 16, 28 or 40`);
  const records: Data2Record[] = [];
  for (let k = 0; k < count; k++) {
    const at = 8 + k * size;
    const code = p.readUInt32LE(at);
    const record: Data2Record = {
      lri: (code >>> 8) & 0xffff,
      cls: code & 0xff,
      dataType: code >>> 24,
      time: p.readUInt32LE(at + 4),
      value: undefined,
    };
    if (size === 16) {
      const v = p.readBigUInt64LE(at + 8);
      record.value = v === NAN_U64 || v === NAN_S64 ? undefined : Number(v);
    } else if (size === 28) {
      // four LE32 copies; SBFspot reads the one at +16
      const raw = p.readUInt32LE(at + 16);
      const signed = record.dataType === 0x40;
      if (raw === NAN_S32 || raw === NAN_U32) record.value = undefined;
      else record.value = signed ? p.readInt32LE(at + 16) : raw;
    } else if (record.dataType === 0x10) {
      const text = p.subarray(at + 8, at + 40);
      const nul = text.indexOf(0);
      record.text = text.subarray(0, nul < 0 ? text.length : nul).toString('latin1');
    } else {
      for (let o = at + 8; o + 4 <= at + 40; o += 4) {
        const attr = p.readUInt32LE(o);
        if ((attr & 0xffffff) === STATUS_END) break;
        if (attr >>> 24 === 1) {
          record.tag = attr & 0xffffff;
          record.value = record.tag;
        }
      }
    }
    records.push(record);
  }
  return ok(records);
}
