/**
 * Records of SMAData2+ replies as a reading's fields, by lib/sma/lriTable.ts: raw × scale in
 * the field's unit, per-string fields as `<field>_<string>`, status records as their tag's text.
 * Records the device marks "not available" (NaN markers, decoded as no value) are left out.
 */
import type { Data2Record } from './data2Records';
import { LRI_FIELDS, STATUS_TAGS } from './lriTable';

/** Device name (a text record; SBFspot getInverterData "name", query 0x58000200 0x821E). */
export const NAME_LRI = 0x821e;

export interface RecordFields {
  fields: Record<string, number | string>;
  /** the device name the device reports, when a name record came */
  name?: string;
}

export function fieldsFromRecords(records: readonly Data2Record[], into: RecordFields = { fields: {} }): RecordFields {
  for (const record of records) {
    if (record.lri === NAME_LRI && record.text !== undefined) {
      if (record.text.length > 0) into.name = record.text;
      continue;
    }
    const field = LRI_FIELDS[record.lri];
    if (!field || record.value === undefined) continue;
    const name = field.perString ? `${field.field}_${record.cls}` : field.field;
    // a tag missing from the table stays its number: better than a made-up text
    into.fields[name] = field.status ? (STATUS_TAGS[record.value] ?? record.value) : record.value * field.scale;
  }
  return into;
}
