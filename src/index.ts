export type { L1Backend, L1BackendFactory, L1BackendOptions } from './backends/l1/l1-backend.js'
export { getL1Backend, listL1Backends, registerL1Backend } from './backends/l1/registry.js'
export type { L2ConnectionSettings } from './backends/l2/connection-settings.js'
export {
  createEntryCodec,
  type DecodedEntry,
  ENTRY_HEADER_FIXED_BYTES,
  type EntryCodec,
  type EntryCodecOptions,
  EntryDecodeError,
  type EntryDecodeFailure,
} from './backends/l2/entry-format.js'
export type {
  L2Backend,
  L2BackendFactory,
  L2BackendOptions,
  L2ChannelListener,
  L2Readiness,
  L2Subscription,
  L2TrackingListener,
} from './backends/l2/l2-backend.js'
export { getL2Backend, listL2Backends, registerL2Backend } from './backends/l2/registry.js'
export { listBackends } from './backends/list-backends.js'
export * from './backends/serializers/index.js'
export { CacheService, type CacheServiceInternals, type CacheServiceStats } from './cache/cache-service.js'
export type { CacheStats } from './cache/cache-stats.js'
export type { ClearResult, ListKeysOptions, SetOptions } from './cache/method-types.js'
export { ResilientTwoLevelCache } from './cache/resilient-two-level-cache.js'
export * from './config/index.js'
export type {
  InvalidationHealthStats,
  InvalidationOperation,
} from './invalidation/invalidation-health.js'
export type { Clock } from './kernel/clock.js'
export {
  CacheConfigurationError,
  CacheConnectionError,
  CacheError,
  type CacheErrorCode,
  CacheLoaderTimeoutError,
  CacheSerializationError,
  CacheTimeoutError,
  isCacheConfigurationError,
  isCacheConnectionError,
  isCacheError,
  isCacheLoaderTimeoutError,
  isCacheSerializationError,
  isCacheTimeoutError,
} from './kernel/errors.js'
export type {
  BreakerEvent,
  CacheErrorEvent,
  CacheErrorKind,
  CacheEvents,
  CacheLayer,
  CacheServiceEvents,
  ClearEvent,
  DeleteEvent,
  HitEvent,
  InvalidationEvent,
  L2OperationEvent,
  L2Outcome,
  LoadErrorEvent,
  LoadEvent,
  LoadTrigger,
  MissEvent,
  RepairEvent,
  ResyncEvent,
  ResyncReason,
  SetEvent,
  StaleEvent,
  StaleReason,
} from './kernel/events.js'
export { KEY_SEPARATOR, MAX_KEY_BYTES } from './kernel/keys.js'
export { L2_TRACING_CHANNEL, type L2TraceContext } from './kernel/l2-tracing.js'
export { consoleLogger, type Logger, silentLogger } from './kernel/logger.js'
export type { Loader, LoaderContext } from './loading/loader-context.js'
export type { LoadingCounters } from './loading/loading-counters.js'
export type { GetOrSetOptions, WrapOptions } from './loading/loading-options.js'
export {
  CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitBreakerStats,
  type CircuitState,
  type CircuitStateListener,
} from './resilience/circuit-breaker.js'
