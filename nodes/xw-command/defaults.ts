/** Stored properties of xw-command and their defaults (docs/flow-schema.md). */
export const DEFAULTS = {
  name: '',
  inverters: [] as string[],
  codes: [
    { code: 0, command: 'rest' },
    { code: 1, command: 'start-charge' },
    { code: 2, command: 'stop-charge' },
    { code: 3, command: 'start-sell' },
    { code: 4, command: 'stop-sell' },
    { code: 5, command: 'standby' },
    { code: 6, command: 'operating' },
  ],
  deadline: 10,
};

export interface XwCommandConfig {
  name: string;
  inverters: string[];
  codes: { code: number | string; command: string }[];
  deadline: number | string;
}
