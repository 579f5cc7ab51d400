/** A monotonic clock in milliseconds, injectable so tests can drive backoff and sleep. */
export interface Clock {
  now(): number;
}

export const monotonicClock: Clock = {
  now: () => performance.now(),
};
