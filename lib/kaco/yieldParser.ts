import { fail, ok, type FieldValues, type Parsed, type YieldText } from './frames';
import { asciiText, hoursText, isPrintable } from './numberText';

/**
 * Command 3: peak power today (W), yield today (Wh), resettable yield counter, total yield,
 * then operating hours today, resettable hours counter and total hours as `hhhhhh:mm`.
 * xi units leave out the `*AA3` header and send the two yield counters in kWh; blueplanet units
 * send the header and Wh (g4bri3lDev/kaco-rs485 captures; shared/reference/kaco-rs485.md).
 * So the header decides the unit; energy comes out in Wh either way.
 * The reply carries no checksum: every field must have its exact form or the reply is refused.
 *
 * `[from, crAt)` is the text after the header (or after the LF when there is none).
 */
export interface YieldValues {
  fields: FieldValues;
  asSent: YieldText;
}

const INTEGER = /^\d+$/;

export function parseYield(bytes: Uint8Array, from: number, crAt: number, hadHeader: boolean): Parsed<YieldValues> {
  const text = asciiText(bytes, from, crAt);
  if (!isPrintable(text)) return fail('non-printable bytes in a command 3 reply');
  const tokens = text.split(' ').filter((t) => t.length > 0);
  if (tokens.length !== 7) return fail(`command 3 reply has ${tokens.length} fields, expected 7`);
  const counts = tokens.slice(0, 4);
  if (!counts.every((t) => INTEGER.test(t))) return fail(`command 3 counters are not whole numbers: ${counts.join(' ')}`);
  const [peak, today, counter, total] = counts.map(Number);
  const hours = tokens.slice(4).map(hoursText);
  if (hours.some((h) => h === undefined)) return fail(`command 3 hour counters are not hhhh:mm: ${tokens.slice(4).join(' ')}`);
  const toWh = hadHeader ? 1 : 1000;
  const round = (h: number | undefined): number => Math.round((h as number) * 10000) / 10000;
  return ok({
    fields: {
      p_peak_day: peak,
      e_day: today,
      e_counter: counter * toWh,
      e_total: total * toWh,
      hours_today: round(hours[0]),
      hours_counter: round(hours[1]),
      hours_total: round(hours[2]),
    },
    asSent: { e_counter: counter, e_total: total, hours_today: tokens[4], hours_counter: tokens[5], hours_total: tokens[6] },
  });
}
