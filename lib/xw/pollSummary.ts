/**
 * The summary across units of one cycle, as the old service kept it: powers and currents summed,
 * voltages, temperatures and frequencies averaged (over the units that answered with a value).
 */
import type { Readings } from './decoder';
import { XW_TABLE } from './registerTable';

const SUMMED_UNITS = new Set(['W', 'A', 'VA', 'kWh']);
const AVERAGED_UNITS = new Set(['V', '°C', 'Hz']);

export interface PollSummary {
  [field: string]: number | null;
  units_ok: number;
  units_total: number;
}

export function summarise(readings: readonly (Readings | null)[]): PollSummary {
  const ok = readings.filter((r): r is Readings => r !== null);
  const out: PollSummary = { units_ok: ok.length, units_total: readings.length };
  for (const f of XW_TABLE.fields) {
    const sum = SUMMED_UNITS.has(f.unit);
    if (!sum && !AVERAGED_UNITS.has(f.unit)) continue;
    const values = ok.map((r) => r[f.name]).filter((v): v is number => typeof v === 'number');
    if (values.length === 0) continue;
    const total = values.reduce((a, b) => a + b, 0);
    out[f.name] = Number((sum ? total : total / values.length).toFixed(3));
  }
  return out;
}
