import { assertCallOptions, GET_OR_SET_OPTION_NAMES } from '../config/call-options.js'
import { parseDurationMs } from '../config/durations.js'
import type { Duration } from '../config/options.js'
import { describeValue } from '../config/validate.js'

/** Per-call options of `getOrSet` (and `wrap`). */
export interface GetOrSetOptions {
  /** Lifetime of the loaded entry in L2 (L1 keeps it at most `l1Ttl`). @default the cache's `l2Ttl` */
  ttl?: Duration
  /**
   * `'local'`: concurrent callers in this process share one loader call. `'distributed'`: besides, at
   * most one instance loads the key at a time (a lock in L2); the others wait for its value, within
   * `lockTimeout`, and load themselves when it does not come or L2 is unavailable. @default 'local'
   */
  lock?: 'local' | 'distributed'
  /** Longest a distributed lock is held, and waited for. @default 5 (seconds) */
  lockTimeout?: Duration
  /**
   * When the loader throws, serve a copy that expired at most this long ago instead of the error
   * (logged, counted in `stats.loading.staleServed`). Entries this call writes are kept in L2 that much
   * longer than `ttl` so that such a copy exists. L2 only: an L1-only cache has no expired copies.
   * @default 0 (never)
   */
  staleIfError?: Duration
}

/** Options of `wrap`: those of `getOrSet`, and the key of each call. */
export interface WrapOptions<A extends unknown[]> extends GetOrSetOptions {
  /** The cache key of a call: a fixed key, or one derived from the arguments. */
  key: string | ((...args: A) => string)
}

/** `GetOrSetOptions` validated, durations in ms. */
export interface ResolvedGetOrSetOptions {
  ttlMs: number | undefined
  distributed: boolean
  lockTimeoutMs: number
  staleGraceMs: number
}

const DEFAULT_LOCK_TIMEOUT_MS = 5000

/** Validates `options`, naming the option at fault (or the unknown one) in a `TypeError`. */
export function resolveGetOrSetOptions(
  options: GetOrSetOptions | undefined,
  call: string,
): ResolvedGetOrSetOptions {
  if (options === undefined) {
    return { ttlMs: undefined, distributed: false, lockTimeoutMs: DEFAULT_LOCK_TIMEOUT_MS, staleGraceMs: 0 }
  }
  assertCallOptions(options, GET_OR_SET_OPTION_NAMES, call)
  const lock = options.lock ?? 'local'
  if (lock !== 'local' && lock !== 'distributed') {
    throw new TypeError(`${call}: lock must be 'local' or 'distributed', got ${describeValue(lock)}`)
  }
  return {
    ttlMs: options.ttl === undefined ? undefined : parseDurationMs(options.ttl, 'ttl'),
    distributed: lock === 'distributed',
    lockTimeoutMs:
      options.lockTimeout === undefined
        ? DEFAULT_LOCK_TIMEOUT_MS
        : parseDurationMs(options.lockTimeout, 'lockTimeout'),
    staleGraceMs:
      options.staleIfError === undefined
        ? 0
        : parseDurationMs(options.staleIfError, 'staleIfError', { allowZero: true }),
  }
}
