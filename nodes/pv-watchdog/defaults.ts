/** Stored properties of pv-watchdog and their defaults (docs/flow-schema.md). */
export const DEFAULTS = {
  name: '',
  checks: [],
  bus: '',
  historySize: 10,
  minUptime: 3600,
  backoffFactor: 2,
  backoffMax: 86400,
  dryRun: true,
  command: '',
  statsInterval: 60,
  tags: '{}',
} as const;

export interface PvWatchdogConfig {
  name: string;
  /** the editor's list; validated by lib/watchdog/checkConfig.ts parseChecks */
  checks: unknown[];
  bus: string;
  historySize: number;
  minUptime: number;
  backoffFactor: number;
  backoffMax: number;
  dryRun: boolean;
  command: string;
  statsInterval: number;
  tags: string;
}
