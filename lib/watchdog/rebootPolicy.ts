/** When a broken rule may reboot: the uptime gate and its backoff. */
export interface RebootPolicy {
  /** system uptime needed before any reboot, after every boot */
  minUptimeS: number;
  /** each further reboot in a row for the same check multiplies the needed uptime by this */
  backoffFactor: number;
  /** the needed uptime grows to at most this (never below minUptimeS) */
  backoffMaxS: number;
}

export const DEFAULT_REBOOT_POLICY: RebootPolicy = { minUptimeS: 3600, backoffFactor: 2, backoffMaxS: 86400 };

/**
 * Uptime needed before a reboot for a check that already caused `previousInRow` reboots in a
 * row (without passing in between): 1 h, 2 h, 4 h … up to the maximum with the defaults. So a
 * reboot that does not help (the internet is down for a week) cannot become a reboot loop.
 */
export function requiredUptimeS(policy: RebootPolicy, previousInRow: number): number {
  if (previousInRow <= 0) return policy.minUptimeS;
  const grown = policy.minUptimeS * policy.backoffFactor ** previousInRow;
  return Math.max(policy.minUptimeS, Math.min(grown, policy.backoffMaxS));
}
