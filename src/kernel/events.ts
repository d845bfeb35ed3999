/** States of a circuit breaker: `closed` lets L2 calls through, `open` skips L2, `half_open` is recovering. */
export type CircuitState = 'closed' | 'open' | 'half_open'

/**
 * Why a cache dropped its L1: `breaker`, L2 was unreachable (an outage); `reconnect`, the connection was
 * lost and made again; `subscriber`, the invalidation connection (bus or tracking) was.
 */
export type ResyncReason = 'breaker' | 'reconnect' | 'subscriber'

/** Where a value was found. */
export type CacheLayer = 'l1' | 'l2'

/** Payload of the `hit` event: a read found a value. Carries the key: events stay in the process. */
export interface HitEvent {
  cache: string
  key: string
  layer: CacheLayer
}

/** Payload of the `miss` event: a read found nothing, in L1 nor in L2. */
export interface MissEvent {
  cache: string
  key: string
}

/** Payload of the `set` event (from `set`, `setIfNotExist` when it wrote, and `getOrSet` loads). */
export interface SetEvent {
  cache: string
  key: string
  /** False when only L1 took the value: an L1-only cache, or L2 out of reach (repaired on recovery). */
  l2Written: boolean
}

/** Payload of the `delete` event. */
export interface DeleteEvent {
  cache: string
  key: string
  /** Whether L1 or L2 held the key. */
  removed: boolean
}

/** Payload of the `clear` event (the result of `clear()`, with the cache's name). */
export interface ClearEvent {
  cache: string
  l1ItemsRemoved: number
  l2ItemsRemoved: number
  l2Cleared: boolean
}

/**
 * What went wrong in an `l2:error` event: `error`, an L2 call failed (refused, reset, a Redis error);
 * `timeout`, it took longer than `l2CommandTimeout`; `decode`, an L2 entry could not be decoded.
 */
export type CacheErrorKind = 'error' | 'timeout' | 'decode'

/**
 * Payload of the `l2:error` event: L2 trouble a cache absorbed (the call that met it resolved as a miss
 * or an L1-only write). Not named `error`: Node's `events.once(emitter, name)` rejects on any `error`
 * event, so `await once(service, 'breaker:open')` would fail in the very outage it waits for.
 */
export interface CacheErrorEvent {
  cache: string
  /** The L2 operation: `get`, `set`, `delete`, `scan`, `publish` ... */
  operation: string
  kind: CacheErrorKind
  error: Error
}

/** Payload of the `invalidation` event: another instance (bus) or Redis (tracking) said keys changed. */
export interface InvalidationEvent {
  cache: string
  source: 'bus' | 'tracking'
  /** The keys named, or `null` for "every key" (a `clear()` elsewhere). */
  keys: readonly string[] | null
  /** Entries this dropped from L1. */
  l1ItemsDropped: number
}

/** Payload of the `breaker:open`, `breaker:half_open` and `breaker:close` events. */
export interface BreakerEvent {
  /** `'service'` for the shared breaker, else the name of the cache that has its own. */
  breaker: string
  state: CircuitState
  previous: CircuitState
}

/** Payload of the `repair` event: a cache's journal was replayed into L2 after an outage. */
export interface RepairEvent {
  cache: string
  /** Keys invalidated (`UNLINK`ed) in L2. */
  keys: number
  /** Whether the cache's whole prefix was cleared (a `clear()` during the outage, or a journal overflow). */
  prefixCleared: boolean
  durationMs: number
}

/** Payload of the `resync` event: a cache dropped its L1 because it may have missed invalidations. */
export interface ResyncEvent {
  cache: string
  reason: ResyncReason
  l1ItemsDropped: number
}

/** How an L2 operation ended: `ok`, or failed with an `error`, or after `l2CommandTimeout` (`timeout`). */
export type L2Outcome = 'ok' | 'error' | 'timeout'

/**
 * One L2 operation, as the `l2:operation` service event and the `resilient-cache:l2` tracing channel
 * report it. Never the key or the value.
 */
export interface L2OperationEvent {
  /** `get`, `header` (an entry's header only: `isOnCache`, `getTtl`, `listKeys`), `pttl` (a value without a readable header), `set`, `setIfNotExist`, `delete`, `scan`, `clear`, `publish`, `lock`, `unlock`, `repair`, `ping`. */
  operation: string
  /** The cache that made the call; `undefined` for the service's own (recovery probes, `ping()`). */
  cache: string | undefined
  /** The circuit breaker that guarded it: `'service'`, or the name of a cache with its own. */
  breaker: string
  /** The L2 backend: `redis`, `valkey` or a registered name. */
  backend: string
  /** Set when the operation has ended. */
  outcome?: L2Outcome
  /** Wall time, including the wait for a connection being made; set when the operation has ended. */
  durationMs?: number
}

/** Why a loader ran: a miss (`miss`), or an eager refresh of an entry near its expiry (`refresh`). */
export type LoadTrigger = 'miss' | 'refresh'

/** Payload of the `load` event: a `getOrSet` / `wrap` loader settled with a value. */
export interface LoadEvent {
  cache: string
  key: string
  trigger: LoadTrigger
  /** Time the loader took, ms. */
  durationMs: number
  /** False when the loader called `ctx.skipCache()` (or its value arrived after `hardTimeout`). */
  stored: boolean
}

/** Payload of the `load:error` event: a loader threw, rejected or did not settle within `hardTimeout`. */
export interface LoadErrorEvent {
  cache: string
  key: string
  trigger: LoadTrigger
  error: Error
}

/**
 * Why an expired copy kept by `grace` was served: the loader failed (`error`), it is within
 * `graceBackoff` of such a failure (`backoff`), it was slower than `softTimeout` (`soft-timeout`) or
 * than `hardTimeout` (`hard-timeout`).
 */
export type StaleReason = 'error' | 'backoff' | 'soft-timeout' | 'hard-timeout'

/** Payload of the `stale` event: `getOrSet` served an expired copy kept by `grace`. */
export interface StaleEvent {
  cache: string
  key: string
  reason: StaleReason
  /** How long ago the copy expired, ms. */
  expiredForMs: number
}

/** Events of a cache (`cache.on(...)`), with their payloads. The service emits them too, for every cache. */
export interface CacheEvents {
  hit: [HitEvent]
  miss: [MissEvent]
  set: [SetEvent]
  delete: [DeleteEvent]
  clear: [ClearEvent]
  'l2:error': [CacheErrorEvent]
  invalidation: [InvalidationEvent]
  /** On a cache: its breaker (the shared one, or its own) changed state. */
  'breaker:open': [BreakerEvent]
  'breaker:half_open': [BreakerEvent]
  'breaker:close': [BreakerEvent]
  repair: [RepairEvent]
  resync: [ResyncEvent]
  load: [LoadEvent]
  'load:error': [LoadErrorEvent]
  stale: [StaleEvent]
}

/**
 * Events of a `CacheService`, with their payloads: every cache's events (the breaker events once per
 * breaker), plus `l2:operation` for each L2 call of the service.
 */
export interface CacheServiceEvents extends CacheEvents {
  'l2:operation': [L2OperationEvent]
}

/** The events a cache forwards to its service (the breaker events are the service's own). */
export type ForwardedCacheEvent = Exclude<keyof CacheEvents, `breaker:${string}`>

/** How a cache reports its events to its service. Never throws. */
export type CacheEventSink = <E extends ForwardedCacheEvent>(event: E, ...payload: CacheEvents[E]) => void
