import { getL1Backend } from '../backends/l1/registry.js'
import { createEntryCodec } from '../backends/l2/entry-format.js'
import type { L2Backend, L2Subscription } from '../backends/l2/l2-backend.js'
import { getL2Backend } from '../backends/l2/registry.js'
import { resolveCacheOptions } from '../config/cache-options.js'
import { connectionSettingsOf } from '../config/connection-settings.js'
import { CacheFactoryConfig } from '../config/factory-config.js'
import type {
  CacheFactoryConfigOptions,
  CacheOptions,
  InvalidationMode,
  ResolvedCacheOptions,
  ResolvedServiceOptions,
} from '../config/options.js'
import { InvalidationBus } from '../invalidation/invalidation-bus.js'
import { InvalidationHealth, type InvalidationHealthStats } from '../invalidation/invalidation-health.js'
import { supportsTracking, trackCache } from '../invalidation/tracking.js'
import { asyncDispose } from '../kernel/async-dispose.js'
import { type Clock, systemClock } from '../kernel/clock.js'
import { CacheConfigurationError, CacheError } from '../kernel/errors.js'
import type { BreakerEvent, CacheEventSink, CacheServiceEvents, L2OperationEvent } from '../kernel/events.js'
import { KEY_SEPARATOR } from '../kernel/keys.js'
import { L2_OPERATION, WatchedEmitter } from '../kernel/watched-emitter.js'
import {
  CircuitBreaker,
  type CircuitBreakerStats,
  idleCircuitBreakerStats,
} from '../resilience/circuit-breaker.js'
import { L2Guard } from '../resilience/l2-guard.js'
import type { CacheStats } from './cache-stats.js'
import { ResilientTwoLevelCache } from './resilient-two-level-cache.js'

/** Service-wide statistics: connection, every cache, and the defaults in force. */
export interface CacheServiceStats {
  l2: {
    backend: string
    /** `not_connected` until a cache with L2 (or `ping()`) needs the connection; then the client's status. */
    status: string
    connected: boolean
    /** Whether this service created the client (and closes it) or was given one. */
    ownsClient: boolean
    circuitBreaker: CircuitBreakerStats
  }
  caches: Record<string, CacheStats>
  /** Whether invalidations (bus, tracking) get through; their failures never open the breaker. */
  invalidation: InvalidationHealthStats
  defaults: {
    l1Backend: string
    serializer: string
    /** Seconds. */
    l2CommandTimeout: number
    circuitBreakerEnabled: boolean
    circuitBreakerThreshold: number
    /** Seconds. */
    circuitBreakerTimeout: number
  }
}

/** Hooks for tests; not needed in applications. */
export interface CacheServiceInternals {
  /** Time source for entry expiry, L1 lifetimes and the breakers. @default Date.now */
  clock?: Clock
}

/**
 * One per process: owns the L2 connection (created when the first cache needs it) and creates the
 * named caches that share it. A service created while Redis is down serves its caches from L1 and
 * starts using L2 as soon as Redis answers; no restart is needed.
 *
 * An EventEmitter of {@link CacheServiceEvents}: every cache's events, each breaker's transitions once,
 * and `l2:operation` for each L2 call. Events nobody listens to are not even built.
 */
export class CacheService extends WatchedEmitter<CacheServiceEvents> {
  /** The validated configuration. */
  readonly config: CacheFactoryConfig
  readonly #options: ResolvedServiceOptions
  readonly #clock: Clock
  readonly #caches = new Map<string, ResilientTwoLevelCache<unknown>>()
  readonly #guards: L2Guard[] = []
  readonly #disposers: Array<() => void> = []
  readonly #subscriptions: L2Subscription[] = []
  #backend: L2Backend | undefined
  #sharedGuard: L2Guard | undefined
  #bus: InvalidationBus | undefined
  readonly #invalidationHealth: InvalidationHealth
  #unnamedCount = 0
  #closing: Promise<void> | undefined

  constructor(
    config: CacheFactoryConfig | CacheFactoryConfigOptions = {},
    internals: CacheServiceInternals = {},
  ) {
    super()
    this.config = config instanceof CacheFactoryConfig ? config : new CacheFactoryConfig(config)
    this.#options = this.config.resolved
    this.#clock = internals.clock ?? systemClock
    this.#invalidationHealth = new InvalidationHealth(this.#options.logger, this.#options.l2Username)
  }

  /**
   * Creates a named cache. Throws `CacheConfigurationError` for invalid options or a prefix that
   * another cache of this service already uses.
   */
  createCache<V = unknown>(options: CacheOptions = {}): ResilientTwoLevelCache<V> {
    this.#assertOpen()
    const resolved = resolveCacheOptions(options, this.#options, this.#unnamedCount + 1)
    if (this.#caches.has(resolved.name)) {
      throw new CacheConfigurationError(
        resolved.l2KeyPrefix === undefined ? 'name' : 'l2KeyPrefix',
        `'${resolved.name}' is already used by another cache of this service`,
      )
    }
    if (resolved.l2KeyPrefix === undefined) this.#unnamedCount++
    const l1 = resolved.l1Enabled
      ? getL1Backend(resolved.l1Backend)({
          maxSize: resolved.l1MaxSize,
          ...(resolved.l1MaxBytes === undefined ? {} : { maxBytes: resolved.l1MaxBytes }),
          ttlMs: resolved.l1TtlMs,
          clock: this.#clock,
        })
      : undefined
    let guard: L2Guard | undefined
    if (resolved.l2Enabled) {
      guard = resolved.hasOwnBreaker
        ? this.#createGuard(resolved.name, {
            enabled: resolved.circuitBreakerEnabled,
            threshold: resolved.circuitBreakerThreshold,
            timeoutMs: resolved.circuitBreakerTimeoutMs,
          })
        : this.#getSharedGuard()
    }
    const invalidation = this.#invalidationFor(resolved)
    const bus = invalidation === 'bus' ? this.#getBus() : undefined
    const cache = new ResilientTwoLevelCache<V>({
      options: resolved,
      l1,
      guard,
      codec: guard
        ? createEntryCodec(resolved.serializer, { maxValueBytes: this.#options.maxValueBytes })
        : undefined,
      repairJournalMaxEntries: this.#options.repairJournalMaxEntries,
      clock: this.#clock,
      logger: this.#options.logger,
      emit: this.#emitSafely as CacheEventSink,
      serviceListening: this.listening,
      invalidation,
      bus,
    })
    if (guard !== undefined) this.#disposers.push(guard.addRepairParticipant(cache))
    // Only a cache with an L1 has copies to drop; every cache with L2 announces its changes. An
    // L1-only cache (even one given a prefix) never needs the backend, so it is not created for it.
    if (resolved.l1Enabled && resolved.l2Enabled && resolved.l2KeyPrefix !== undefined) {
      if (bus !== undefined) this.#disposers.push(bus.register(cache))
      const backend = this.#getBackend()
      if (invalidation === 'tracking' && supportsTracking(backend)) {
        this.#subscriptions.push(
          trackCache(backend, cache, resolved.l2KeyPrefix + KEY_SEPARATOR, this.#invalidationHealth),
        )
      }
    }
    this.#caches.set(resolved.name, cache as ResilientTwoLevelCache<unknown>)
    return cache
  }

  /** The cache created under this name (its L2 key prefix), if any. */
  getCache<V = unknown>(name: string): ResilientTwoLevelCache<V> | undefined {
    return this.#caches.get(name) as ResilientTwoLevelCache<V> | undefined
  }

  /** Whether L2 answers a PING within `l2CommandTimeout`. Never rejects. */
  async ping(): Promise<boolean> {
    this.#assertOpen()
    return this.#getSharedGuard().ping()
  }

  /** Service-wide statistics, synchronously and without I/O. */
  getStats(): CacheServiceStats {
    const options = this.#options
    const caches: Record<string, CacheStats> = {}
    for (const [name, cache] of this.#caches) caches[name] = cache.getStats()
    return {
      l2: {
        backend: options.l2Backend,
        status: this.#backend?.status ?? 'not_connected',
        connected: this.#backend?.readiness() === 'ready',
        ownsClient: options.l2Client === undefined,
        circuitBreaker:
          this.#sharedGuard?.breaker.stats() ??
          idleCircuitBreakerStats({
            enabled: options.circuitBreakerEnabled,
            threshold: options.circuitBreakerThreshold,
            timeoutMs: options.circuitBreakerTimeoutMs,
          }),
      },
      caches,
      invalidation: this.#invalidationHealth.stats(),
      defaults: {
        l1Backend: options.l1Backend,
        serializer: options.serializer.name,
        l2CommandTimeout: options.l2CommandTimeoutMs / 1000,
        circuitBreakerEnabled: options.circuitBreakerEnabled,
        circuitBreakerThreshold: options.circuitBreakerThreshold,
        circuitBreakerTimeout: options.circuitBreakerTimeoutMs / 1000,
      },
    }
  }

  /**
   * Closes the connections this service created (a passed-in `l2Client` stays open), stops its timers
   * and listeners, and makes its caches reject further calls with code `E_CLOSED`. Flushes nothing.
   * Idempotent; leaves nothing that keeps the process alive.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close()
    return this.#closing
  }

  /** `await using service = new CacheService(...)`: closes it (as {@link close}) when the scope ends. */
  [asyncDispose](): Promise<void> {
    return this.close()
  }

  async #close(): Promise<void> {
    for (const cache of this.#caches.values()) cache.markClosed()
    // What was written just before close is still announced to the other instances.
    await Promise.all([...this.#caches.values()].map((cache) => cache.flushInvalidations()))
    for (const dispose of this.#disposers) dispose()
    await Promise.all(this.#subscriptions.map((subscription) => subscription.close()))
    await this.#bus?.close()
    await Promise.all(this.#guards.map((guard) => guard.close()))
    await this.#backend?.close()
  }

  #getBackend(): L2Backend {
    this.#backend ??= getL2Backend(this.#options.l2Backend)({
      config: connectionSettingsOf(this.#options),
      logger: this.#options.logger,
    })
    return this.#backend
  }

  /** The mode a cache really runs with: `none` without L2, or when the backend cannot carry its mode. */
  #invalidationFor(resolved: ResolvedCacheOptions): InvalidationMode {
    if (!resolved.l2Enabled || resolved.invalidation === 'none') return 'none'
    const backend = this.#getBackend()
    const supported =
      resolved.invalidation === 'bus' ? InvalidationBus.supports(backend) : supportsTracking(backend)
    if (supported) return resolved.invalidation
    this.#options.logger.warn(
      { cache: resolved.name, backend: backend.name, invalidation: resolved.invalidation },
      "The L2 backend cannot carry this invalidation mode; running with invalidation 'none' (L1 staleness bounded by l1Ttl)",
    )
    return 'none'
  }

  #getBus(): InvalidationBus {
    if (this.#bus === undefined) {
      const backend = this.#getBackend()
      if (!InvalidationBus.supports(backend))
        throw new CacheError('The L2 backend cannot carry the invalidation bus')
      this.#bus = new InvalidationBus(backend, this.#options.logger, this.#invalidationHealth)
    }
    return this.#bus
  }

  #getSharedGuard(): L2Guard {
    this.#sharedGuard ??= this.#createGuard('service', {
      enabled: this.#options.circuitBreakerEnabled,
      threshold: this.#options.circuitBreakerThreshold,
      timeoutMs: this.#options.circuitBreakerTimeoutMs,
    })
    return this.#sharedGuard
  }

  #createGuard(
    breakerName: string,
    settings: { enabled: boolean; threshold: number; timeoutMs: number },
  ): L2Guard {
    const breaker = new CircuitBreaker({ ...settings, clock: this.#clock })
    const logger = this.#options.logger
    this.#disposers.push(
      breaker.onStateChange((state, previous) => {
        const event: BreakerEvent = { breaker: breakerName, state, previous }
        if (state === 'open') {
          logger.warn(
            { ...event, timeout: breaker.timeoutMs / 1000 },
            'L2 circuit breaker opened: serving from L1',
          )
        } else if (state === 'closed') {
          logger.info({ ...event }, 'L2 circuit breaker closed: L2 is back')
        } else {
          logger.info({ ...event }, 'L2 circuit breaker half-open: probing L2')
        }
        this.#emitSafely(`breaker:${state === 'closed' ? 'close' : state}`, event)
      }),
    )
    const guard = new L2Guard({
      name: breakerName,
      backend: this.#getBackend(),
      breaker,
      commandTimeoutMs: this.#options.l2CommandTimeoutMs,
      probeIntervalMs: this.#options.circuitBreakerProbeIntervalMs,
      logger,
    })
    if ((this.listening & L2_OPERATION) !== 0) guard.operationListener = this.#reportL2Operation
    this.#guards.push(guard)
    return guard
  }

  /** The events with a listener on this service changed: tell the caches and the guards. */
  protected override listeningChanged(mask: number): void {
    for (const cache of this.#caches.values()) cache.serviceListeningChanged(mask)
    const reporter = (mask & L2_OPERATION) !== 0 ? this.#reportL2Operation : undefined
    for (const guard of this.#guards) guard.operationListener = reporter
  }

  readonly #reportL2Operation = (operation: L2OperationEvent): void => {
    this.#emitSafely('l2:operation', operation)
  }

  /** Emits an event; a throwing listener is logged, never turned into an exception in a cache call. */
  readonly #emitSafely = <E extends keyof CacheServiceEvents>(
    event: E,
    ...payload: CacheServiceEvents[E]
  ) => {
    try {
      // EventEmitter's typing cannot follow a generic event name through a spread payload.
      ;(this.emit as (event: string, ...args: unknown[]) => boolean)(event, ...payload)
    } catch (error) {
      this.#options.logger.error(
        { event, error: (error as Error).message },
        'A CacheService event listener threw',
      )
    }
  }

  #assertOpen(): void {
    if (this.#closing !== undefined) throw new CacheError('This CacheService is closed', { code: 'E_CLOSED' })
  }
}
