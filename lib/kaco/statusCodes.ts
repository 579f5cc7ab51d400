/**
 * Operating states a KACO Powador reports in the status field.
 * Source: Powador xi manual (2500xi–5000xi), table 4.3, as listed in
 * shared/reference/kaco-rs485.md. Codes not in the table are reported as "unknown status N".
 */
export const KACO_STATUS_TEXT: Readonly<Record<number, string>> = {
  0: 'just switched on',
  1: 'waiting to start',
  2: 'waiting to switch off',
  3: 'constant-voltage regulator',
  4: 'MPP tracking with search movement',
  5: 'MPP tracking without search movement',
  6: 'waiting before grid feed',
  7: 'waiting before self-test',
  8: 'relay self-test',
  10: 'over-temperature',
  11: 'power limitation',
  12: 'overload',
  13: 'overvoltage',
  14: 'grid failure (3-phase)',
  15: 'changing to night shutdown',
  18: 'RCD type B trip',
  19: 'insulation resistance too low',
  30: 'measurement transformer fault',
  31: 'RCD module fault',
  32: 'self-test error',
  33: 'DC feed-in fault',
  34: 'communication error',
};

export function kacoStatusText(code: number): string {
  return KACO_STATUS_TEXT[code] ?? `unknown status ${code}`;
}
