/**
 * The old service's way to switch units, for comparison only (never used by the package): for
 * each operation, unit after unit, write then re-read that unit until it shows the change; Rest
 * is StopCharge over all units followed by StopSell over all units (seeds/000: "Rest() calls
 * stopCharge() and stopSell() … literally doubles" the time).
 */
import { preciseDelay } from '../lib/time/preciseDelay';
import { Priority } from '../lib/bus/priority';
import type { RegisterClient } from '../lib/xw/registerClient';
import { XW_TABLE } from '../lib/xw/registerTable';

const CHARGER_ENABLE = XW_TABLE.field('charger_enable_setting').address;
const SELL_ENABLE = XW_TABLE.field('sell_enable_setting').address;
const CHARGER_ENABLED = XW_TABLE.field('charger_enabled').address;
const SELL_ENABLED = XW_TABLE.field('sell_enabled').address;

async function writeThenWait(client: RegisterClient, unit: number, write: number, status: number, value: number, pollMs: number): Promise<void> {
  const opts = { owner: 'baseline', priority: Priority.Command };
  await client.writeRegister(unit, write, value, opts);
  for (;;) {
    const [v] = await client.readHoldingRegisters(unit, status, 1, opts);
    if (v === value) return;
    await preciseDelay(pollMs);
  }
}

/** Rest the old way: stop charging on every unit in turn, then stop selling on every unit in turn. */
export async function sequentialRest(client: RegisterClient, units: readonly number[], pollMs: number): Promise<void> {
  for (const u of units) await writeThenWait(client, u, CHARGER_ENABLE, CHARGER_ENABLED, 0, pollMs);
  for (const u of units) await writeThenWait(client, u, SELL_ENABLE, SELL_ENABLED, 0, pollMs);
}
