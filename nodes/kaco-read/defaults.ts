/** Stored properties of kaco-read and their defaults (docs/flow-schema.md). */
export const DEFAULTS = {
  name: '',
  inverters: [] as string[],
  interval: 10,
  yieldEvery: 6,
  timeout: 2500,
  pause: 1000,
  shape: 'fields',
  measurement: 'kaco',
  statusMeasurement: 'kaco_communication',
  pvLoggerNames: false,
  tags: '{}',
};

export interface KacoReadConfig {
  name: string;
  inverters: string[];
  interval: number | string;
  yieldEvery: number | string;
  timeout: number | string;
  pause: number | string;
  shape: string;
  measurement: string;
  statusMeasurement: string;
  pvLoggerNames: boolean | string;
  tags: string;
}
