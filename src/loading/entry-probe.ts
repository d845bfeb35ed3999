/**
 * What a lookup of the loading flow learned besides the value: the expiry of the entry it found (for
 * `eagerRefresh`) and the expired copy kept by `grace` (for the fail-safe). One per `getOrSet` call
 * that asks for them; the lookups fill it in.
 */
export interface EntryProbe<V> {
  /** Logical expiry of the live entry found, ms since the epoch; `Infinity` when unknown or none. */
  expiresAtMs: number
  /** An expired copy kept by `grace` (or an L1 copy past its L1 lifetime), `undefined` when none. */
  value: V | undefined
  /** How long ago that copy expired, ms (0 for a copy that has not expired yet). */
  expiredForMs: number
}

/** An empty probe. */
export function newEntryProbe<V>(): EntryProbe<V> {
  return { expiresAtMs: Number.POSITIVE_INFINITY, value: undefined, expiredForMs: Number.POSITIVE_INFINITY }
}

/**
 * How a lookup keeps what it promotes into L1: `graceMs` past its expiry as a fail-safe copy, and
 * `timed` (with its expiry, for `eagerRefresh`) when either is asked for.
 */
export interface KeepInL1 {
  graceMs: number
  timed: boolean
}
