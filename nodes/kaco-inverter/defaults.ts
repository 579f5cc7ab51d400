/** Stored properties of kaco-inverter and their defaults (docs/flow-schema.md). */
export const DEFAULTS = {
  name: '',
  bus: '',
  address: 1,
} as const;

export type KacoInverterConfig = { name: string; bus: string; address: number | string };
