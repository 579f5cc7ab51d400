import type { CheckKind } from './checkConfig';

/**
 * Why the watchdog decided to reboot. Written to the reason file before anything acts, sent
 * in the decision message and, after the reboot, once more at start so it reaches the
 * database. Flat, with the old logger's snake_case, so it can be written as InfluxDB fields
 * or a MongoDB document as it is (no field named `time`: influxdb out would take it as the
 * timestamp).
 */
export interface RebootReason {
  check: string;
  kind: CheckKind;
  /** the last failure's detail, e.g. "no device at /dev/ttyUSB*" */
  detail: string;
  fails_in_row: number;
  fails_to_act: number;
  /** failures among the newest history_size results */
  history_failed: number;
  history_size: number;
  uptime_system_s: number;
  uptime_app_s: number;
  /** the watchdog's monotonic clock, ms */
  monotonic_ms: number;
  /** ISO 8601; only informative, a Pi without a real-time clock may boot at the wrong date */
  wall_time: string;
  /** the system uptime this decision needed (minimum uptime, backed off) */
  required_uptime_s: number;
  /** decisions in a row for this same check, this one included */
  reboots_for_reason: number;
  dry_run: boolean;
  /** the configured command ("" when none) */
  command: string;
}

/** Content of the reason file. */
export interface ReasonFile {
  version: 1;
  reason: RebootReason | null;
  /** the reason was sent after the start that followed it */
  reported: boolean;
  /** consecutive decisions for one check, for the backoff; cleared when that check passes */
  streak: { check: string; count: number } | null;
}

export const EMPTY_REASON_FILE: ReasonFile = { version: 1, reason: null, reported: true, streak: null };
