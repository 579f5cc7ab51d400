import fs from 'node:fs';
import os from 'node:os';

/**
 * Seconds since the system booted: /proc/uptime (sub-second, Linux), else os.uptime().
 * A monotonic count from boot, right even when the wall clock is not (a Pi without RTC).
 */
export function systemUptimeS(): number {
  try {
    const first = Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    if (Number.isFinite(first)) return first;
  } catch {
    // not Linux: fall through
  }
  return os.uptime();
}

/** Seconds since this Node-RED process started. */
export function appUptimeS(): number {
  return process.uptime();
}
