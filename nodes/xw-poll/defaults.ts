/** Stored properties of xw-poll and their defaults (docs/flow-schema.md). */
export const DEFAULTS = {
  name: '',
  inverters: [] as string[],
  interval: 10,
  energyInterval: 300,
  modeInterval: 60,
  ac2: false,
  shape: 'readings',
  valueField: 'battery_power',
  measurement: 'xw',
};

export const SHAPES = ['readings', 'influxdb', 'influxdb-batch', 'document', 'value'] as const;
export type PayloadShape = (typeof SHAPES)[number];

export interface XwPollConfig {
  name: string;
  inverters: string[];
  interval: number | string;
  energyInterval: number | string;
  modeInterval: number | string;
  ac2: boolean;
  shape: string;
  valueField: string;
  measurement: string;
}
