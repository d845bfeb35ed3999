export { type ParseDurationOptions, parseDurationMs } from './durations.js'
export {
  CACHE_ENV_KEYS,
  type CacheEnvKey,
  type CacheEnvKeySpec,
  type CacheEnvSource,
  type CacheEnvValueKind,
} from './env-keys.js'
export { CacheFactoryConfig } from './factory-config.js'
export { LOADING_DEFAULTS } from './loading-defaults.js'
export {
  CACHE_DEFAULTS,
  type CacheFactoryConfigOptions,
  type CacheOptions,
  type Duration,
  INVALIDATION_MODES,
  type InvalidationMode,
  type L1BackendName,
  L2_MODES,
  type L2BackendName,
  type L2Mode,
  type L2NodeAddress,
  type LoadingDefaultsOptions,
  type ResolvedCacheOptions,
  type ResolvedLoadingDefaults,
  type ResolvedServiceOptions,
  SERVICE_DEFAULTS,
} from './options.js'
