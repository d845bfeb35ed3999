import { MAX_L1_MAX_SIZE } from '../backends/l1/l1-size-limits.js'
import { getL1Backend } from '../backends/l1/registry.js'
import { resolveSerializer } from '../backends/serializers/registry.js'
import { CacheConfigurationError } from '../kernel/errors.js'
import { parseDurationMs } from './durations.js'
import { LOADING_DEFAULTS, resolveLoadingDefaults } from './loading-defaults.js'
import {
  CACHE_DEFAULTS,
  type CacheOptions,
  INVALIDATION_MODES,
  type ResolvedCacheOptions,
  type ResolvedServiceOptions,
} from './options.js'
import {
  describeValue,
  rejectUnknownOptions,
  requireBoolean,
  requireInteger,
  requireKeyPrefix,
  requireNonEmptyString,
  requireOneOf,
  requireOptionsObject,
} from './validate.js'

// Compile-time complete, like the service's table: a new CacheOptions field must be added here.
const CACHE_OPTION_NAMES = Object.keys({
  l2KeyPrefix: true,
  l2Ttl: true,
  l2Enabled: true,
  l1Enabled: true,
  l1MaxSize: true,
  l1MaxBytes: true,
  l1Ttl: true,
  l1Backend: true,
  l1Clone: true,
  serializer: true,
  circuitBreakerEnabled: true,
  circuitBreakerThreshold: true,
  circuitBreakerTimeout: true,
  invalidation: true,
  ttlJitter: true,
  grace: true,
  graceBackoff: true,
  eagerRefresh: true,
  softTimeout: true,
  hardTimeout: true,
} satisfies Record<keyof CacheOptions, true>)

/**
 * Validates the options of `createCache()` and merges them with the service's defaults.
 *
 * `l2KeyPrefix` is required while L2 is enabled. An L1-only cache (`l2Enabled: false`) may omit it;
 * it is then named `l1-<unnamedIndex>`. A cache given any breaker option gets a breaker of its own
 * (`hasOwnBreaker`), with the service's values for the options it did not give.
 * @param unnamedIndex number for the name of an L1-only cache without a prefix; the caller counts.
 * @throws CacheConfigurationError naming the first unknown or invalid option.
 */
export function resolveCacheOptions(
  options: CacheOptions,
  service: ResolvedServiceOptions,
  unnamedIndex: number,
): ResolvedCacheOptions {
  const given = requireOptionsObject(options, 'options')
  rejectUnknownOptions(given, CACHE_OPTION_NAMES)

  const l2Enabled = requireBoolean(options.l2Enabled ?? CACHE_DEFAULTS.l2Enabled, 'l2Enabled')
  const l1Enabled = requireBoolean(options.l1Enabled ?? CACHE_DEFAULTS.l1Enabled, 'l1Enabled')
  if (!l1Enabled && !l2Enabled) {
    throw new CacheConfigurationError(
      'l1Enabled',
      'a cache needs at least one level, got l1Enabled false and l2Enabled false; enable L1, L2 or both',
    )
  }
  const rawPrefix = options.l2KeyPrefix
  if (rawPrefix === undefined && l2Enabled) {
    throw new CacheConfigurationError(
      'l2KeyPrefix',
      "is required when L2 is enabled (it names this cache's keys in Redis); give one or set l2Enabled: false, got undefined",
    )
  }
  const l2KeyPrefix = rawPrefix === undefined ? undefined : requireKeyPrefix(rawPrefix, 'l2KeyPrefix')

  const breakerEnabled = options.circuitBreakerEnabled
  const breakerThreshold = options.circuitBreakerThreshold
  const breakerTimeout = options.circuitBreakerTimeout
  const serializer = options.serializer
  const l1Backend = requireNonEmptyString(options.l1Backend ?? service.l1Backend, 'l1Backend')
  getL1Backend(l1Backend, 'l1Backend')

  return {
    l2KeyPrefix,
    name: l2KeyPrefix ?? `l1-${unnamedIndex}`,
    l2TtlMs: parseDurationMs(options.l2Ttl ?? CACHE_DEFAULTS.l2Ttl, 'l2Ttl'),
    l2Enabled,
    l1Enabled,
    l1MaxSize: requireInteger(options.l1MaxSize ?? CACHE_DEFAULTS.l1MaxSize, 'l1MaxSize', 1, MAX_L1_MAX_SIZE),
    l1MaxBytes:
      options.l1MaxBytes === undefined ? undefined : requireInteger(options.l1MaxBytes, 'l1MaxBytes', 1),
    l1TtlMs: parseDurationMs(options.l1Ttl ?? CACHE_DEFAULTS.l1Ttl, 'l1Ttl'),
    l1Backend,
    l1Clone: requireBoolean(options.l1Clone ?? CACHE_DEFAULTS.l1Clone, 'l1Clone'),
    serializer: serializer === undefined ? service.serializer : resolveSerializer(serializer, 'serializer'),
    circuitBreakerEnabled:
      breakerEnabled === undefined
        ? service.circuitBreakerEnabled
        : requireBoolean(breakerEnabled, 'circuitBreakerEnabled'),
    circuitBreakerThreshold:
      breakerThreshold === undefined
        ? service.circuitBreakerThreshold
        : requireInteger(breakerThreshold, 'circuitBreakerThreshold', 1),
    circuitBreakerTimeoutMs:
      breakerTimeout === undefined
        ? service.circuitBreakerTimeoutMs
        : parseDurationMs(breakerTimeout, 'circuitBreakerTimeout'),
    hasOwnBreaker:
      breakerEnabled !== undefined || breakerThreshold !== undefined || breakerTimeout !== undefined,
    invalidation:
      options.invalidation === undefined
        ? service.invalidation
        : requireOneOf(options.invalidation, 'invalidation', INVALIDATION_MODES),
    ttlJitter: requireFraction(options.ttlJitter ?? CACHE_DEFAULTS.ttlJitter, 'ttlJitter'),
    loading: resolveLoadingDefaults(options, LOADING_DEFAULTS),
  }
}

/** A number from 0 up to (not including) 1. */
function requireFraction(value: unknown, label: string): number {
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) {
    throw new CacheConfigurationError(
      label,
      `expected a number from 0 up to (not including) 1, got ${describeValue(value)}`,
    )
  }
  return value
}
