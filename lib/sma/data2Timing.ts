/**
 * SMAData2+ timeouts and pauses, as data with their sources (shared/reference/sma.md §2.1, §2.7).
 * "ours" marks a value no source gives.
 */
export interface Data2Timing {
  /** how long one exchange waits for its reply, ms */
  replyTimeoutMs: number;
  /** quiet time after each exchange before the next one, ms */
  pauseAfterMs: number;
}

export const DATA2_TIMING = {
  /** SBFspot Bluetooth.cpp: BT_TIMEOUT 10 s per recv; no pause between queries */
  bluetooth: { replyTimeoutMs: 10000, pauseAfterMs: 0 },
  /** ours: a LAN answers in milliseconds; 3 s keeps a sleeping inverter from holding the bus long */
  speedwire: { replyTimeoutMs: 3000, pauseAfterMs: 0 },
} as const satisfies Record<string, Data2Timing>;

export const DATA2_SESSION_TIMING = {
  /**
   * After a refused logon no logon is tried again for this long, ms: SMA devices may lock a user
   * group out after repeated wrong passwords (issue 15; SBFspot #441 comments). ours: 10 min.
   */
  logonBackoffMs: 10 * 60 * 1000,
  /**
   * A logon is renewed after this long, ms: the logon asks the device for a 900 s session
   * (SBFspot sends timeout 900, lib/sma/logon.ts); ours: renew at 600 s, well before it ends.
   */
  logonRenewMs: 600 * 1000,
} as const;
// Reconnecting a lost link is the bus's (250 ms doubling to 10 s); SBFspot waits 1 s between its
// Bluetooth connect attempts, which that backoff covers.

/** Where the device answers each query from: SBFspot's own session address (SBFspot SUSyID 125, a random serial 900000000–999999999 per run). */
export const DATA2_OWN_SUSY_ID = 125;
export function randomSessionSerial(random: () => number = Math.random): number {
  return 900000000 + Math.floor(random() * 100000000);
}
