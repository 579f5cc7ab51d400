/** Stored properties of kaco-inverter and their defaults (docs/flow-schema.md). */
export const DEFAULTS = {
  name: '',
  bus: '',
  address: 1,
  /** missed answers in a row before the inverter counts as asleep */
  sleepAfter: 3,
  /** seconds between probes of an asleep inverter */
  probeInterval: 60,
} as const;

export type KacoInverterConfig = { name: string; bus: string; address: number | string; sleepAfter: number | string; probeInterval: number | string };
