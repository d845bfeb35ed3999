export { listBackends } from './backends.js'
export {
  type CacheParts,
  type CacheStats,
  type ClearResult,
  type ListKeysOptions,
  ResilientTwoLevelCache,
  type SetOptions,
} from './cache.js'
export type { Clock } from './clock.js'
export * from './config/index.js'
export {
  CacheConfigurationError,
  CacheConnectionError,
  CacheError,
  type CacheErrorCode,
  CacheSerializationError,
  CacheTimeoutError,
  CircuitBreakerOpenError,
  isCacheConfigurationError,
  isCacheConnectionError,
  isCacheError,
  isCacheSerializationError,
  isCacheTimeoutError,
  isCircuitBreakerOpenError,
} from './errors.js'
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
  MissEvent,
  RepairEvent,
  ResyncEvent,
  ResyncReason,
  SetEvent,
} from './events.js'
export type {
  InvalidationHealthStats,
  InvalidationOperation,
} from './invalidation/invalidation-health.js'
export { KEY_SEPARATOR, MAX_KEY_BYTES } from './keys.js'
export type { L1Backend, L1BackendFactory, L1BackendOptions } from './l1/l1-backend.js'
export { getL1Backend, listL1Backends, registerL1Backend } from './l1/registry.js'
export type {
  L2Backend,
  L2BackendFactory,
  L2BackendOptions,
  L2ChannelListener,
  L2Readiness,
  L2Subscription,
  L2TrackingListener,
} from './l2/l2-backend.js'
export { getL2Backend, listL2Backends, registerL2Backend } from './l2/registry.js'
export type { GetOrSetOptions, WrapOptions } from './loading/loading-options.js'
export { consoleLogger, type Logger, silentLogger } from './logger.js'
export { L2_TRACING_CHANNEL, type L2TraceContext } from './observability/l2-tracing.js'
export {
  CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitBreakerStats,
  type CircuitState,
  type CircuitStateListener,
} from './resilience/circuit-breaker.js'
export * from './serializers/index.js'
export { CacheService, type CacheServiceInternals, type CacheServiceStats } from './service.js'
export { SingleFlight } from './single-flight.js'
