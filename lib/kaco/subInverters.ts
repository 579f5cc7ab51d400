import type { FieldValues } from './frames';
import { kacoStatusText } from './statusCodes';

const PER_SUB = ['u_dc', 'i_dc', 'p_dc', 'u_ac', 'i_ac', 'p_ac', 'temperature', 'e_day', 'status'];

/**
 * A series 000xi is three inverters in one case, one per grid phase, read by commands 1–3.
 * Its reading: each sub-inverter's values with its number appended (u_dc1 … status3), the
 * powers and energy summed, the highest temperature, and the first sub-inverter's status.
 */
export function combineSubInverters(subs: FieldValues[]): FieldValues {
  const out: FieldValues = {};
  subs.forEach((sub, k) => {
    for (const name of PER_SUB) if (name in sub) out[`${name}${k + 1}`] = sub[name];
  });
  const sum = (name: string): number => subs.reduce((s, sub) => s + (typeof sub[name] === 'number' ? (sub[name] as number) : 0), 0);
  const status = subs[0]?.status;
  if (typeof status === 'number') {
    out.status = status;
    out.status_text = kacoStatusText(status);
  }
  out.p_dc = sum('p_dc');
  out.p_ac = sum('p_ac');
  out.e_day = sum('e_day');
  out.temperature = Math.max(...subs.map((s) => (typeof s.temperature === 'number' ? s.temperature : -Infinity)));
  if (typeof subs[0]?.type === 'string') out.type = subs[0].type;
  return out;
}
