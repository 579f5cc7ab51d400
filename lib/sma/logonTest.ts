/**
 * The editor's "test logon" for a Bluetooth or Speedwire device: one read, as a probe, on a source
 * made for the test. A refused test holds the next one for the same device back for
 * LOGON_TEST_GAP_MS — the button must not become a password storm (SMA devices may lock a user
 * group out after repeated wrong passwords; lib/sma/data2Timing.ts).
 */
import type { Scheduler } from '../time/scheduler';
import { LogonError, type SmaSource } from './smaSource';

/** ours: long enough that clicking again is not a storm, short enough to fix a typo */
export const LOGON_TEST_GAP_MS = 30000;

export type LogonTestResult = { ok: true; serial: number; type?: string } | { ok: false; reason: string; logonRefused: boolean };

const refusedAt = new Map<string, number>();

export async function testLogon(source: SmaSource, deviceKey: string, clock: Pick<Scheduler, 'now'>): Promise<LogonTestResult> {
  const last = refusedAt.get(deviceKey);
  if (last !== undefined && clock.now() - last < LOGON_TEST_GAP_MS) {
    const wait = Math.ceil((LOGON_TEST_GAP_MS - (clock.now() - last)) / 1000);
    return { ok: false, logonRefused: true, reason: `the last logon test was refused; wait ${wait} s before the next (SMA devices may lock a user group out after repeated wrong passwords)` };
  }
  try {
    const reading = await source.read({ probe: true });
    refusedAt.delete(deviceKey);
    return { ok: true, serial: reading.serial, ...(reading.type !== undefined ? { type: reading.type } : {}) };
  } catch (err) {
    if (err instanceof LogonError) refusedAt.set(deviceKey, clock.now());
    return { ok: false, reason: (err as Error).message, logonRefused: err instanceof LogonError };
  }
}
