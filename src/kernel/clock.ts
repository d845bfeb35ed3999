/** A source of time in milliseconds; injectable so that tests can drive expiry and the breaker. */
export interface Clock {
  now(): number
}

/** Wall-clock time (`Date.now()`): used for entry expiry, which other instances compare against. */
export const systemClock: Clock = { now: () => Date.now() }
