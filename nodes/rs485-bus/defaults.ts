/** Stored properties of rs485-bus and their defaults (docs/flow-schema.md). */
export const DEFAULTS = {
  name: '',
  connection: 'serial',
  serialPort: '',
  baudRate: 19200,
  dataBits: 8,
  parity: 'none',
  stopBits: 1,
  host: '',
  tcpPort: 502,
  lineBaudRate: 19200,
  timeout: 1000,
  pause: 0,
  deadline: 30000,
  trace: false,
} as const;

export type Rs485BusConfig = { -readonly [K in keyof typeof DEFAULTS]: (typeof DEFAULTS)[K] extends string ? string : (typeof DEFAULTS)[K] extends number ? number : boolean };
