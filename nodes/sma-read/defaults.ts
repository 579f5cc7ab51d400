/** Stored properties of sma-read and their defaults (docs/flow-schema.md). */
export const DEFAULTS = {
  name: '',
  inverters: [] as string[],
  /** SBFspot's users read every 5 min; 30 s shows a cloud passing and costs a 1200-baud line a few seconds per device */
  interval: 30,
  shape: 'fields',
  measurement: 'sma',
  statusMeasurement: 'sma_communication',
  tags: '{}',
};

export interface SmaReadConfig {
  name: string;
  inverters: string[];
  interval: number | string;
  shape: string;
  measurement: string;
  statusMeasurement: string;
  tags: string;
}
