/**
 * How big a soak runs: shortened inside `npm test`, full with SOAK_FULL=1 (`npm run soak`).
 * The full figures are the issue's: 100,000 transactions per transport, 50 replug cycles,
 * 100 redeploys.
 */
export const SOAK_FULL = process.env.SOAK_FULL === '1';

export function soakSize(short: number, full: number): number {
  return SOAK_FULL ? full : short;
}

/** mocha timeout for a soak step: generous when full, tight enough to catch a hang otherwise */
export function soakTimeout(shortMs: number): number {
  return SOAK_FULL ? 6 * 3600 * 1000 : shortMs;
}

/** progress and results of a soak go to stderr, so they show in the mocha output */
export function soakLog(line: string): void {
  process.stderr.write(`      ${line.replace(/\n/g, '\n      ')}\n`);
}
