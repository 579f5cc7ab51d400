/** Stored properties of sma-inverter and their defaults (docs/flow-schema.md); the password is a credential. */
export const DEFAULTS = {
  name: '',
  transport: 'data1',
  bus: '',
  serial: '',
  address: '',
  framing: 'smanet',
  btAddress: '',
  host: '',
  port: 9522,
  group: 'user',
  /** silent cycles in a row before the device counts as asleep */
  sleepAfter: 3,
  /** seconds between probes of an asleep device */
  probeInterval: 60,
} as const;

export type SmaInverterConfig = { -readonly [K in keyof typeof DEFAULTS]: string | number };
export interface SmaInverterCredentials {
  password?: string;
}
