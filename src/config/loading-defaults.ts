import { CacheConfigurationError } from '../kernel/errors.js'
import { parseDurationMs } from './durations.js'
import type { Duration, LoadingDefaultsOptions, ResolvedLoadingDefaults } from './options.js'
import { describeValue } from './validate.js'

/** The loading defaults of a cache that sets none. */
export const LOADING_DEFAULTS: ResolvedLoadingDefaults = Object.freeze({
  graceMs: 0,
  graceBackoffMs: 5000,
  eagerRefresh: 0,
  softTimeoutMs: 0,
  hardTimeoutMs: 0,
})

/** The names of {@link LoadingDefaultsOptions}, for the unknown-option checks. */
export const LOADING_DEFAULTS_NAMES: readonly string[] = Object.keys({
  grace: true,
  graceBackoff: true,
  eagerRefresh: true,
  softTimeout: true,
  hardTimeout: true,
} satisfies Record<keyof LoadingDefaultsOptions, true>)

/**
 * Validates the loading fields of `given`, each absent one taken from `fallback`.
 * @throws CacheConfigurationError naming the option and showing the bad value.
 */
export function resolveLoadingDefaults(
  given: LoadingDefaultsOptions,
  fallback: ResolvedLoadingDefaults,
): ResolvedLoadingDefaults {
  const durationOr = (value: Duration | undefined, field: string, fallbackMs: number) =>
    value === undefined ? fallbackMs : parseDurationMs(value, field, { allowZero: true })
  return {
    graceMs: durationOr(given.grace, 'grace', fallback.graceMs),
    graceBackoffMs: durationOr(given.graceBackoff, 'graceBackoff', fallback.graceBackoffMs),
    eagerRefresh:
      given.eagerRefresh === undefined ? fallback.eagerRefresh : requireRefreshFraction(given.eagerRefresh),
    softTimeoutMs: durationOr(given.softTimeout, 'softTimeout', fallback.softTimeoutMs),
    hardTimeoutMs: durationOr(given.hardTimeout, 'hardTimeout', fallback.hardTimeoutMs),
  }
}

/** A fraction from 0 (off) up to, not including, 1. */
function requireRefreshFraction(value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) {
    throw new CacheConfigurationError(
      'eagerRefresh',
      `expected a fraction of the entry's lifetime, more than 0 and less than 1 (0.8: reload past 80% of ttl; 0: off), got ${describeValue(value)}`,
    )
  }
  return value
}
