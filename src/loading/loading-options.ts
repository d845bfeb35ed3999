import { assertCallOptions, GET_OR_SET_OPTION_NAMES } from '../config/call-options.js'
import { parseDurationMs } from '../config/durations.js'
import { resolveLoadingDefaults } from '../config/loading-defaults.js'
import type { Duration, LoadingDefaultsOptions, ResolvedLoadingDefaults } from '../config/options.js'
import { describeValue } from '../config/validate.js'

/**
 * Per-call options of `getOrSet` (and `wrap`). The loading options (`grace`, `graceBackoff`,
 * `eagerRefresh`, `softTimeout`, `hardTimeout`) default to the cache's (`createCache`).
 */
export interface GetOrSetOptions extends LoadingDefaultsOptions {
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
  /** The former name of `grace`, kept working: give one or the other. @default 0 */
  staleIfError?: Duration
  /**
   * The caller's own cancellation: when it aborts, this call rejects with the signal's reason. The
   * shared load goes on while other callers wait for it. @default undefined
   */
  signal?: AbortSignal
}

/** Options of `wrap`: those of `getOrSet`, and the key of each call. */
export interface WrapOptions<A extends unknown[]> extends GetOrSetOptions {
  /** The cache key of a call: a fixed key, or one derived from the arguments. */
  key: string | ((...args: A) => string)
}

/** `GetOrSetOptions` validated and merged with the cache's defaults, durations in ms (0: off). */
export interface ResolvedGetOrSetOptions extends ResolvedLoadingDefaults {
  ttlMs: number | undefined
  distributed: boolean
  lockTimeoutMs: number
  signal: AbortSignal | undefined
}

const DEFAULT_LOCK_TIMEOUT_MS = 5000

/** The options of a call that gives none, under the cache's defaults. */
export function defaultGetOrSetOptions(defaults: ResolvedLoadingDefaults): ResolvedGetOrSetOptions {
  return {
    ...defaults,
    ttlMs: undefined,
    distributed: false,
    lockTimeoutMs: DEFAULT_LOCK_TIMEOUT_MS,
    signal: undefined,
  }
}

/**
 * Validates `options` and merges them with `defaults` (what a call without options gets), naming the
 * option at fault: a `TypeError` for a wrong kind or an unknown key (with the closest known name), a
 * `CacheConfigurationError` for a bad duration or fraction.
 */
export function resolveGetOrSetOptions(
  options: GetOrSetOptions | undefined,
  call: string,
  defaults: ResolvedGetOrSetOptions,
): ResolvedGetOrSetOptions {
  if (options === undefined) return defaults
  assertCallOptions(options, GET_OR_SET_OPTION_NAMES, call)
  const lock = options.lock ?? 'local'
  if (lock !== 'local' && lock !== 'distributed') {
    throw new TypeError(`${call}: lock must be 'local' or 'distributed', got ${describeValue(lock)}`)
  }
  const signal = options.signal
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(`${call}: signal must be an AbortSignal, got ${describeValue(signal)}`)
  }
  if (options.grace !== undefined && options.staleIfError !== undefined) {
    throw new TypeError(`${call}: give grace or staleIfError (its former name), not both`)
  }
  // Checked under its own name, so that the error names what the caller wrote.
  if (options.staleIfError !== undefined)
    parseDurationMs(options.staleIfError, 'staleIfError', { allowZero: true })
  const loading = resolveLoadingDefaults(
    { ...options, grace: options.grace ?? options.staleIfError },
    defaults,
  )
  return {
    ...loading,
    ttlMs: options.ttl === undefined ? undefined : parseDurationMs(options.ttl, 'ttl'),
    distributed: lock === 'distributed',
    lockTimeoutMs:
      options.lockTimeout === undefined
        ? defaults.lockTimeoutMs
        : parseDurationMs(options.lockTimeout, 'lockTimeout'),
    signal,
  }
}
