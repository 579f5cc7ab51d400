/** Stored properties of xw-inverter and their defaults (docs/flow-schema.md). */
export const DEFAULTS = {
  name: '',
  bus: '',
  unit: 10,
} as const;

export type XwInverterConfig = { name: string; bus: string; unit: number | string };
