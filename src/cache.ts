import type { Clock } from './clock.js'
import { parseDurationMs } from './config/durations.js'
import type { Duration, InvalidationMode, ResolvedCacheOptions } from './config/options.js'
import { CacheError, CacheSerializationError } from './errors.js'
import type {
  BreakerEvent,
  CacheErrorKind,
  CacheEventSink,
  CacheEvents,
  CacheLayer,
  ForwardedCacheEvent,
  ResyncReason,
} from './events.js'
import { InflightReads } from './inflight-reads.js'
import type { InvalidationBus, InvalidationReceiver } from './invalidation/invalidation-bus.js'
import { InvalidationPublisher } from './invalidation/invalidation-publisher.js'
import { assertValidKey, escapeGlob, KEY_SEPARATOR } from './keys.js'
import type { L1Backend } from './l1/l1-backend.js'
import type { L2Backend } from './l2/l2-backend.js'
import { lockKeyOf, newLockToken, pauseBeforeLook } from './loading/distributed-lock.js'
import {
  type GetOrSetOptions,
  type ResolvedGetOrSetOptions,
  resolveGetOrSetOptions,
  type WrapOptions,
} from './loading/loading-options.js'
import type { Logger } from './logger.js'
import {
  CLEAR,
  DELETE,
  ERROR,
  HIT,
  INVALIDATION,
  MISS,
  SET,
  WatchedEmitter,
} from './observability/watched-emitter.js'
import { type CircuitBreakerStats, idleCircuitBreakerStats } from './resilience/circuit-breaker.js'
import {
  L2_FAILED,
  type L2Caller,
  type L2Executor,
  type L2Guard,
  type RepairParticipant,
} from './resilience/l2-guard.js'
import { RepairJournal } from './resilience/repair-journal.js'
import { type EntryCodec, EntryDecodeError } from './serializers/entry-codec.js'
import { SingleFlight } from './single-flight.js'

/** Per-call options of `set` and `setIfNotExist`. */
export interface SetOptions {
  /** Lifetime of this entry in L2 (L1 keeps it at most `l1Ttl`). @default the cache's `l2Ttl` */
  ttl?: Duration
}

/** Options of `listKeys`. */
export interface ListKeysOptions {
  /** Most keys returned. @default unlimited */
  limit?: number
}

/** What `clear()` removed. */
export interface ClearResult {
  l1ItemsRemoved: number
  l2ItemsRemoved: number
  /** False when L2 could not be cleared now; the clear is then repaired when L2 returns. */
  l2Cleared: boolean
  /** When the clear finished, epoch milliseconds. */
  timestamp: number
}

/** A cache's statistics, as returned by the synchronous `getStats()`. */
export interface CacheStats {
  enabled: boolean
  l1: {
    enabled: boolean
    backend: string
    size: number
    maxSize: number
    /** Seconds. */
    ttl: number
    hits: number
    misses: number
    /** Hits over lookups, 0 to 1 (0 before any lookup). */
    hitRate: number
    /** Approximate bytes held, when L1 is bounded by bytes (`l1MaxBytes`); else `null`. */
    bytes: number | null
    /** The `l1MaxBytes` bound, or `null` for none. */
    maxBytes: number | null
    /** `size / maxSize * 100`. */
    usagePercent: number
    /** Times L1 was dropped because invalidations may have been missed (after an outage or reconnection). */
    resyncs: number
  }
  l2: {
    enabled: boolean
    backend: string
    keyPrefix: string | null
    /** Seconds. */
    ttl: number
    serializer: string
    hits: number
    misses: number
    /** Failed L2 calls (errors, refused connections). */
    errors: number
    /** L2 calls that took longer than `l2CommandTimeout`. */
    timeouts: number
    /** Entries that could not be decoded (foreign, corrupt, other serializer): counted as misses. */
    corruptEntries: number
    circuitBreaker: CircuitBreakerStats
    /** Keys (plus one for a pending prefix clear) that must be invalidated in L2 when it returns. */
    pendingRepairs: number
    /** Journal replays completed after outages. */
    repairs: number
  }
  loading: {
    /** Loader calls made by `getOrSet` / `wrap` (one per single flight). */
    loads: number
    loadErrors: number
    /** Expired copies served because the loader threw (`staleIfError`). */
    staleServed: number
    /** Distributed locks won, and waits for another instance's value (with how many ended in time). */
    locksAcquired: number
    lockWaits: number
    lockWaitsTimedOut: number
  }
  invalidation: {
    /** The mode in force (`none` when the cache has no L2, or the backend cannot carry the mode). */
    mode: InvalidationMode
    /** Bus messages this cache published, and the keys they named. */
    messagesSent: number
    keysSent: number
    /** Invalidations received from other instances (bus messages, or tracking reports). */
    messagesReceived: number
    /** L1 entries they dropped. */
    keysInvalidated: number
  }
}

/** What the service hands a cache it creates. */
export interface CacheParts {
  options: ResolvedCacheOptions
  l1: L1Backend | undefined
  /** The door to L2, `undefined` for an L1-only cache. */
  guard: L2Guard | undefined
  codec: EntryCodec | undefined
  repairJournalMaxEntries: number
  clock: Clock
  logger: Logger
  /** Where the cache's events go besides the cache itself (the service's emitter). */
  emit: CacheEventSink
  /** The events the service has listeners for (a mask of `WATCHED_EVENT_BITS`). */
  serviceListening: number
  /** The invalidation mode in force for this cache (resolved by the service). */
  invalidation: InvalidationMode
  /** The service's bus, when `invalidation` is `bus`. */
  bus: InvalidationBus | undefined
}

/** How many keys one SCAN step asks for, and one UNLINK removes. */
const SCAN_COUNT = 1000
const UNLINK_BATCH = 500

/** Filled by an L2 read that found an expired entry, for `staleIfError`. */
interface StaleCopy<V> {
  value: V | undefined
  /** How long ago it expired, ms. */
  expiredForMs: number
}

/** What `#readL1` returns when the key is not in L1 (`undefined` cannot say it: it is not a value). */
const NOT_IN_L1: unique symbol = Symbol('resilient-cache.not-in-l1')

/** L1 cannot hold `undefined` and stores `null` as this token, so that `null` is a cacheable value. */
const NULL_IN_L1: object = Object.freeze({ nullInL1: true })

/**
 * A named two-level cache: reads L1 then L2, writes through both, promotes L2 hits into L1. Every L2
 * call goes through the service's guard (timeout, circuit breaker), so L2 trouble turns into misses
 * and L1-only operation, never into rejections. Create it with `CacheService.createCache()`.
 *
 * Values in L1 are kept by reference: mutating an object returned by `get` changes what later `get`s
 * in this process return, unless the cache was created with `l1Clone: true`.
 *
 * An EventEmitter of {@link CacheEvents} (`hit`, `miss`, `set`, `delete`, `clear`, `l2:error`,
 * `invalidation`, `breaker:*`, `repair`, `resync`); its service emits the same, for every cache. An
 * event nobody listens to (here or on the service) costs nothing: its payload is not even built.
 */
export class ResilientTwoLevelCache<V = unknown>
  extends WatchedEmitter<CacheEvents>
  implements RepairParticipant, InvalidationReceiver
{
  /** The cache's name: its L2 key prefix, or `l1-<n>` for an unnamed L1-only cache. */
  readonly name: string
  readonly #options: ResolvedCacheOptions
  readonly #l1: L1Backend | undefined
  readonly #guard: L2Guard | undefined
  readonly #codec: EntryCodec | undefined
  readonly #clock: Clock
  readonly #logger: Logger
  readonly #emit: CacheEventSink
  readonly #journal: RepairJournal
  readonly #inflight = new InflightReads()
  /** `<l2KeyPrefix>::`, what every Redis key of this cache starts with. */
  readonly #keyPrefix: string
  readonly #keyPrefixBytes: number
  readonly #invalidation: InvalidationMode
  readonly #bus: InvalidationBus | undefined
  readonly #publisher: InvalidationPublisher | undefined
  readonly #invalidationCounters = { messagesReceived: 0, keysInvalidated: 0 }
  readonly #loadingCounters = {
    loads: 0,
    loadErrors: 0,
    staleServed: 0,
    locksAcquired: 0,
    lockWaits: 0,
    lockWaitsTimedOut: 0,
  }
  readonly #flights = new SingleFlight<V>()
  readonly #l1Counters = { hits: 0, misses: 0, resyncs: 0 }
  readonly #l2Counters = { hits: 0, misses: 0, errors: 0, timeouts: 0, corruptEntries: 0 }
  /** How this cache's L2 calls present themselves to the guard. */
  readonly #l2Caller: L2Caller
  #repairs = 0
  #closed = false
  /** Events with a listener on this cache or on the service: the data paths check this before emitting. */
  #watched: number
  #serviceListening: number
  #stopWatchingBreaker: (() => void) | undefined

  /** @internal Use `CacheService.createCache()`. */
  constructor(parts: CacheParts) {
    super()
    this.#options = parts.options
    this.name = parts.options.name
    this.#l1 = parts.l1
    this.#guard = parts.guard
    this.#codec = parts.codec
    this.#clock = parts.clock
    this.#logger = parts.logger
    this.#emit = parts.emit
    this.#journal = new RepairJournal(parts.repairJournalMaxEntries)
    this.#keyPrefix = parts.options.l2KeyPrefix === undefined ? '' : parts.options.l2KeyPrefix + KEY_SEPARATOR
    this.#keyPrefixBytes = Buffer.byteLength(this.#keyPrefix)
    this.#invalidation = parts.invalidation
    this.#serviceListening = parts.serviceListening
    this.#watched = parts.serviceListening
    this.#l2Caller = {
      name: this.name,
      counters: this.#l2Counters,
      onFailure: (operation, error, timedOut) => {
        if ((this.#watched & ERROR) !== 0) this.#emitError(operation, timedOut ? 'timeout' : 'error', error)
      },
    }
    const bus = parts.bus
    const guard = parts.guard
    if (guard !== undefined) {
      this.#stopWatchingBreaker = guard.breaker.onStateChange((state, previous) => {
        const event: BreakerEvent = { breaker: guard.name, state, previous }
        this.#emitHere(`breaker:${state === 'closed' ? 'close' : state}`, event)
      })
    }
    if (parts.invalidation === 'bus' && bus !== undefined && guard !== undefined) {
      this.#bus = bus
      this.#publisher = new InvalidationPublisher(
        async (keys) => (await this.#publishOnBus(guard.run.bind(guard), keys)) !== L2_FAILED,
        (keys) => this.#journalUnannounced(keys),
      )
    }
  }

  /**
   * The value for `key`, or `undefined` on a miss. An L1 hit resolves without touching L2; an L2 hit
   * is promoted into L1 for min(`l1Ttl`, the entry's remaining lifetime). Never rejects for L2 trouble.
   */
  async get(key: string): Promise<V | undefined> {
    this.#assertUsable(key)
    const inL1 = this.#readL1(key)
    if (inL1 !== NOT_IN_L1) return inL1
    if (this.#l1 !== undefined) this.#l1Counters.misses++
    const guard = this.#guard
    if (guard === undefined) {
      if ((this.#watched & MISS) !== 0) this.#notify('miss', { cache: this.name, key })
      return undefined
    }
    const value = await this.#readL2(key, guard)
    if (this.#watched !== 0) this.#emitLookUp(key, value)
    return value
  }

  /**
   * Stores a value in L1 and L2. Rejects with `CacheSerializationError` for `undefined` or a value the
   * serializer cannot encode, before anything is written. When L2 cannot be reached the write stays in
   * L1 and the key is invalidated in L2 as soon as it returns.
   */
  async set(key: string, value: V, options?: SetOptions): Promise<void> {
    this.#assertUsable(key)
    await this.#writeThrough(key, value, this.#entryTtlMs(options?.ttl), 0)
  }

  /**
   * The value for `key`; on a miss, the value `loader` resolves, which is then stored. Concurrent
   * callers for one key in this process share one lookup and one loader call (single flight; the
   * first caller's options apply to the flight); with `lock: 'distributed'`, at most one instance
   * loads at a time. A loader error reaches every caller of the flight and nothing is cached, unless
   * `staleIfError` finds a recently expired copy to serve instead.
   */
  async getOrSet(key: string, loader: () => V | PromiseLike<V>, options?: GetOrSetOptions): Promise<V> {
    this.#assertUsable(key)
    if (typeof loader !== 'function') {
      throw new TypeError(`getOrSet: loader must be a function, got ${typeof loader}`)
    }
    const resolved = resolveGetOrSetOptions(options, 'getOrSet')
    const inL1 = this.#readL1(key)
    if (inL1 !== NOT_IN_L1) return inL1
    return this.#flights.run(key, () => this.#lookUpOrLoad(key, loader, resolved))
  }

  /**
   * Memoises an async function in this cache: each call is a `getOrSet` under `options.key` (fixed,
   * or computed from the arguments).
   *
   * @example
   * const getUser = users.wrap((id: number) => db.users.find(id), { key: (id) => `user:${id}`, ttl: '5m' })
   */
  wrap<A extends unknown[]>(
    fn: (...args: A) => V | PromiseLike<V>,
    options: WrapOptions<A>,
  ): (...args: A) => Promise<V> {
    if (typeof fn !== 'function') throw new TypeError(`wrap: fn must be a function, got ${typeof fn}`)
    const keyOf = options?.key
    if (typeof keyOf !== 'string' && typeof keyOf !== 'function') {
      throw new TypeError(
        `wrap: options.key must be a string or a function of the arguments, got ${typeof keyOf}`,
      )
    }
    const { key: _key, ...getOrSetOptions } = options
    resolveGetOrSetOptions(getOrSetOptions, 'wrap')
    return (...args: A) =>
      this.getOrSet(typeof keyOf === 'string' ? keyOf : keyOf(...args), () => fn(...args), getOrSetOptions)
  }

  /**
   * Writes L1, then L2 with a lifetime of `ttlMs` (the entry's header) plus `retainMs` (how long L2
   * keeps the expired copy for `staleIfError`).
   */
  async #writeThrough(key: string, value: V, ttlMs: number, retainMs: number): Promise<void> {
    const encoded = this.#encode(value, ttlMs)
    this.#writeL1(key, value, ttlMs)
    const guard = this.#guard
    if (guard === undefined || encoded === undefined) {
      if ((this.#watched & SET) !== 0) this.#notify('set', { cache: this.name, key, l2Written: false })
      return
    }
    const fullKey = this.#keyPrefix + key
    const l2TtlMs = ttlMs + retainMs
    const written = await guard.run('set', (l2) => l2.set(fullKey, encoded, l2TtlMs), this.#l2Caller)
    if (written === L2_FAILED) {
      this.#journal.recordKey(fullKey)
    } else {
      this.#journal.forgetKey(fullKey)
      this.#publisher?.keyChanged(key)
    }
    if ((this.#watched & SET) !== 0) {
      this.#notify('set', { cache: this.name, key, l2Written: written !== L2_FAILED })
    }
  }

  /**
   * Stores a value only when the key has none (`SET NX` in L2, or L1 when L2 is unavailable).
   * Resolves `true` when this call wrote the value, `false` when a value was already there.
   */
  async setIfNotExist(key: string, value: V, options?: SetOptions): Promise<boolean> {
    this.#assertUsable(key)
    const ttlMs = this.#entryTtlMs(options?.ttl)
    const encoded = this.#encode(value, ttlMs)
    const guard = this.#guard
    if (guard !== undefined && encoded !== undefined) {
      const fullKey = this.#keyPrefix + key
      if (!this.#journal.isPending(fullKey)) {
        const written = await guard.run(
          'setIfNotExist',
          (l2) => l2.setIfNotExist(fullKey, encoded, ttlMs),
          this.#l2Caller,
        )
        if (written === true) {
          this.#journal.forgetKey(fullKey)
          this.#writeL1(key, value, ttlMs)
          this.#publisher?.keyChanged(key)
          if ((this.#watched & SET) !== 0) this.#notify('set', { cache: this.name, key, l2Written: true })
          return true
        }
        if (written === false) return false
      }
      // L2 is out of reach (and a timed-out SET NX may still have landed): invalidate it on repair.
      this.#journal.recordKey(fullKey)
    }
    if (this.#l1 === undefined || this.#l1.has(key)) return false
    this.#writeL1(key, value, ttlMs)
    if ((this.#watched & SET) !== 0) this.#notify('set', { cache: this.name, key, l2Written: false })
    return true
  }

  /** Removes a key from L2 then L1. Resolves `true` when either held it. */
  async delete(key: string): Promise<boolean> {
    this.#assertUsable(key)
    let removed = false
    const guard = this.#guard
    if (guard !== undefined) {
      const fullKey = this.#keyPrefix + key
      const count = await guard.run('delete', (l2) => l2.delete([fullKey]), this.#l2Caller)
      if (count === L2_FAILED) {
        this.#journal.recordKey(fullKey)
      } else {
        this.#journal.forgetKey(fullKey)
        // Announced even when L2 had no copy: another instance's L1 may still hold one.
        this.#publisher?.keyChanged(key)
        removed = count > 0
      }
    }
    // After the L2 delete, so that a read that raced it cannot put the old value back into L1.
    this.#inflight.invalidate(key)
    if (this.#l1?.delete(key)) removed = true
    if ((this.#watched & DELETE) !== 0) this.#notify('delete', { cache: this.name, key, removed })
    return removed
  }

  /**
   * Removes this cache's entries, and only them: L1, and in L2 the keys under its own prefix
   * (`SCAN` + `UNLINK` in batches, never `KEYS` or `FLUSHDB`). When L2 cannot be cleared now, the
   * clear is repaired when it returns (`l2Cleared: false`).
   */
  async clear(): Promise<ClearResult> {
    this.#assertOpen()
    let l2ItemsRemoved = 0
    let l2Cleared = false
    const guard = this.#guard
    if (guard !== undefined) {
      const plan = this.#journal.plan()
      try {
        l2ItemsRemoved = await this.#unlinkPrefix(this.#throwingExecutor(guard))
        l2Cleared = true
        this.#journal.completeClear(plan)
        this.#journal.completeKeys(plan.keys)
        this.#publisher?.cleared()
      } catch {
        this.#journal.recordClear()
      }
    }
    this.#inflight.invalidateAll()
    const l1ItemsRemoved = this.#l1?.clear() ?? 0
    if ((this.#watched & CLEAR) !== 0) {
      this.#notify('clear', { cache: this.name, l1ItemsRemoved, l2ItemsRemoved, l2Cleared })
    }
    return { l1ItemsRemoved, l2ItemsRemoved, l2Cleared, timestamp: Date.now() }
  }

  /** Whether the key is cached (L1, then L2 `EXISTS`); does not promote. */
  async isOnCache(key: string): Promise<boolean> {
    this.#assertUsable(key)
    if (this.#l1?.has(key)) return true
    const guard = this.#guard
    if (guard === undefined) return false
    const fullKey = this.#keyPrefix + key
    if (this.#journal.isPending(fullKey)) return false
    return (await guard.run('exists', (l2) => l2.exists(fullKey), this.#l2Caller)) === true
  }

  /**
   * The key's remaining lifetime in seconds (L2's `PTTL` when L2 answers, else L1's), `Infinity` for
   * an entry without expiry, `undefined` for a missing key.
   */
  async getTtl(key: string): Promise<number | undefined> {
    this.#assertUsable(key)
    const guard = this.#guard
    if (guard !== undefined) {
      const fullKey = this.#keyPrefix + key
      if (!this.#journal.isPending(fullKey)) {
        const remainingMs = await guard.run('pttl', (l2) => l2.remainingTtlMs(fullKey), this.#l2Caller)
        if (remainingMs !== L2_FAILED && remainingMs !== undefined) return remainingMs / 1000
      }
    }
    const remainingMs = this.#l1?.remainingTtlMs(key)
    return remainingMs === undefined ? undefined : remainingMs / 1000
  }

  /**
   * The keys of this cache that start with `prefix` (L1 and L2, de-duplicated, without the L2 prefix).
   * Glob characters in `prefix` match themselves.
   */
  async listKeys(prefix = '', options: ListKeysOptions = {}): Promise<string[]> {
    this.#assertOpen()
    if (typeof prefix !== 'string')
      throw new TypeError(`listKeys: prefix must be a string, got ${typeof prefix}`)
    const limit = options.limit ?? Number.POSITIVE_INFINITY
    if (limit !== Number.POSITIVE_INFINITY && !(Number.isInteger(limit) && limit >= 1)) {
      throw new TypeError(`listKeys: limit must be an integer >= 1, got ${String(options.limit)}`)
    }
    const keys = new Set<string>()
    if (this.#l1 !== undefined) {
      for (const key of this.#l1.keys()) {
        if (keys.size >= limit) return [...keys]
        if (key.startsWith(prefix)) keys.add(key)
      }
    }
    const guard = this.#guard
    if (guard === undefined || this.#journal.clearPending) return [...keys]
    const match = `${escapeGlob(this.#keyPrefix + prefix)}*`
    let cursor = '0'
    do {
      const page = await guard.run('scan', (l2) => l2.scan(cursor, match, SCAN_COUNT), this.#l2Caller)
      if (page === L2_FAILED) break
      for (const fullKey of page.keys) {
        if (keys.size >= limit) return [...keys]
        if (!this.#journal.isPending(fullKey)) keys.add(fullKey.slice(this.#keyPrefix.length))
      }
      cursor = page.cursor
    } while (cursor !== '0')
    return [...keys]
  }

  /** Statistics, synchronously and without I/O: safe for health checks and metric scrapes. */
  getStats(): CacheStats {
    const options = this.#options
    const l1 = this.#l1
    const l1Lookups = this.#l1Counters.hits + this.#l1Counters.misses
    const l1Size = l1?.size ?? 0
    const l1MaxSize = l1?.maxSize ?? options.l1MaxSize
    const guard = this.#guard
    return {
      enabled: l1 !== undefined || guard !== undefined,
      l1: {
        enabled: l1 !== undefined,
        backend: options.l1Backend,
        size: l1Size,
        maxSize: l1MaxSize,
        bytes: l1?.bytes ?? null,
        maxBytes: l1?.maxBytes ?? options.l1MaxBytes ?? null,
        ttl: options.l1TtlMs / 1000,
        hits: this.#l1Counters.hits,
        misses: this.#l1Counters.misses,
        hitRate: l1Lookups === 0 ? 0 : this.#l1Counters.hits / l1Lookups,
        usagePercent: (l1Size / l1MaxSize) * 100,
        resyncs: this.#l1Counters.resyncs,
      },
      l2: {
        enabled: guard !== undefined,
        backend: guard?.backend.name ?? 'none',
        keyPrefix: options.l2KeyPrefix ?? null,
        ttl: options.l2TtlMs / 1000,
        serializer: options.serializer.name,
        ...this.#l2Counters,
        circuitBreaker:
          guard?.breaker.stats() ??
          idleCircuitBreakerStats({
            enabled: false,
            threshold: options.circuitBreakerThreshold,
            timeoutMs: options.circuitBreakerTimeoutMs,
          }),
        pendingRepairs: this.#journal.size,
        repairs: this.#repairs,
      },
      loading: { ...this.#loadingCounters },
      invalidation: {
        mode: this.#invalidation,
        messagesSent: this.#publisher?.messagesSent ?? 0,
        keysSent: this.#publisher?.keysSent ?? 0,
        ...this.#invalidationCounters,
      },
    }
  }

  /** @internal Part of the guard's recovery: whether L2 owes this cache invalidations. */
  hasPendingRepairs(): boolean {
    return !this.#journal.isEmpty
  }

  /** @internal Replays the repair journal as invalidations; throws when L2 fails mid-way. */
  async repair(execute: L2Executor): Promise<void> {
    const startedAt = performance.now()
    const plan = this.#journal.plan()
    // Each step is announced on the bus before it counts as done: other instances may hold the
    // replaced values in L1. A failed announcement keeps the step in the journal.
    if (plan.clearPrefix) {
      await this.#unlinkPrefix(execute)
      await this.#publishOnBus(execute, null)
      this.#journal.completeClear(plan)
    }
    for (let start = 0; start < plan.keys.length; start += UNLINK_BATCH) {
      const batch = plan.keys.slice(start, start + UNLINK_BATCH)
      const fullKeys = batch.map(([fullKey]) => fullKey)
      await execute('repair', (l2) => l2.delete(fullKeys))
      await this.#publishOnBus(
        execute,
        fullKeys.map((fullKey) => fullKey.slice(this.#keyPrefix.length)),
      )
      this.#journal.completeKeys(batch)
    }
    this.#repairs++
    const event = {
      cache: this.name,
      keys: plan.keys.length,
      prefixCleared: plan.clearPrefix,
      durationMs: performance.now() - startedAt,
    }
    this.#logger.info(event, 'L2 repaired after an outage')
    this.#notify('repair', event)
  }

  /**
   * @internal L2 is back after an outage or a reconnection: other instances may have changed or
   * deleted keys meanwhile without this process hearing of it, so L1 (and the reads in flight) are
   * dropped. Entries this process wrote during the outage go too: another instance may have written
   * the same key, and only the source of truth can tell which write is newer.
   */
  resync(reason: ResyncReason): void {
    // With invalidation 'none' the application accepted up to l1Ttl of staleness; keep L1 warm.
    if (this.#invalidation === 'none' && reason !== 'subscriber') return
    this.#inflight.invalidateAll()
    const l1 = this.#l1
    if (l1 === undefined) return
    const l1ItemsDropped = l1.clear()
    this.#l1Counters.resyncs++
    const event = { cache: this.name, reason, l1ItemsDropped }
    // An empty L1 lost nothing: not worth an info line on every reconnection.
    const log = l1ItemsDropped > 0 ? this.#logger.info : this.#logger.debug
    log.call(this.#logger, event, 'L1 dropped: invalidations may have been missed while L2 was out of reach')
    this.#notify('resync', event)
  }

  /**
   * @internal Another instance (bus) or program (tracking) changed these keys (every key for `null`):
   * drop them from L1, and keep reads in flight from putting the old values back.
   */
  applyInvalidation(keys: readonly string[] | null): void {
    this.#invalidationCounters.messagesReceived++
    let l1ItemsDropped = 0
    if (keys === null) {
      this.#inflight.invalidateAll()
      l1ItemsDropped = this.#l1?.clear() ?? 0
    } else {
      for (const key of keys) {
        this.#inflight.invalidate(key)
        if (this.#l1?.delete(key)) l1ItemsDropped++
      }
    }
    this.#invalidationCounters.keysInvalidated += l1ItemsDropped
    if ((this.#watched & INVALIDATION) !== 0) {
      const source = this.#invalidation === 'tracking' ? 'tracking' : 'bus'
      this.#notify('invalidation', { cache: this.name, source, keys, l1ItemsDropped })
    }
  }

  /** @internal The service's listeners changed: `mask` says which watched events it now has. */
  serviceListeningChanged(mask: number): void {
    this.#serviceListening = mask
    this.#watched = this.listening | mask
  }

  /** The events with a listener on this cache changed. */
  protected override listeningChanged(mask: number): void {
    this.#watched = mask | this.#serviceListening
  }

  /** @internal Sends the invalidations still waiting for the end of this tick (before close). */
  async flushInvalidations(): Promise<void> {
    await this.#publisher?.flush()
    this.#publisher?.dispose()
  }

  /** @internal Called by the service on close: later calls reject with code `E_CLOSED`. */
  markClosed(): void {
    this.#closed = true
    this.#stopWatchingBreaker?.()
  }

  /** One flight of `getOrSet`: L2, then the loader (under a distributed lock when asked). */
  async #lookUpOrLoad(
    key: string,
    loader: () => V | PromiseLike<V>,
    options: ResolvedGetOrSetOptions,
  ): Promise<V> {
    const guard = this.#guard
    const stale: StaleCopy<V> = { value: undefined, expiredForMs: Number.POSITIVE_INFINITY }
    if (this.#l1 !== undefined) this.#l1Counters.misses++
    if (guard !== undefined) {
      const found = await this.#readL2(key, guard, options.staleGraceMs > 0 ? stale : undefined)
      if (this.#watched !== 0) this.#emitLookUp(key, found)
      if (found !== undefined) return found
    } else if ((this.#watched & MISS) !== 0) {
      this.#notify('miss', { cache: this.name, key })
    }
    if (options.distributed && guard !== undefined)
      return this.#loadUnderLock(key, loader, options, guard, stale)
    return this.#load(key, loader, options, stale)
  }

  /** Calls the loader and stores its value; on a loader error, serves `stale` if it is recent enough. */
  async #load(
    key: string,
    loader: () => V | PromiseLike<V>,
    options: ResolvedGetOrSetOptions,
    stale: StaleCopy<V>,
  ): Promise<V> {
    this.#loadingCounters.loads++
    let value: V
    try {
      value = await loader()
    } catch (error) {
      this.#loadingCounters.loadErrors++
      if (stale.value !== undefined && stale.expiredForMs <= options.staleGraceMs) {
        this.#loadingCounters.staleServed++
        this.#logger.warn(
          {
            cache: this.name,
            expiredForMs: Math.round(stale.expiredForMs),
            error: (error as Error)?.message,
          },
          'Loader failed: serving the expired copy (staleIfError)',
        )
        return stale.value
      }
      throw error
    }
    await this.#writeThrough(key, value, this.#entryTtlMs(options.ttlMs, true), options.staleGraceMs)
    return value
  }

  /**
   * Loads under an L2 lock (`SET NX PX` with a random token, released by compare-and-delete), so that
   * one instance loads while the others look for its value in L2, at growing intervals, until
   * `lockTimeout`. Loads here when L2 cannot take the lock or the wait ends: the lock is an
   * optimisation, never a reason to fail.
   */
  async #loadUnderLock(
    key: string,
    loader: () => V | PromiseLike<V>,
    options: ResolvedGetOrSetOptions,
    guard: L2Guard,
    stale: StaleCopy<V>,
  ): Promise<V> {
    const lockKey = lockKeyOf(this.#keyPrefix + key)
    const token = newLockToken()
    const deadline = performance.now() + options.lockTimeoutMs
    let waited = false
    for (let attempt = 0; ; attempt++) {
      const acquired = await guard.run(
        'lock',
        (l2) => l2.setIfNotExist(lockKey, token, options.lockTimeoutMs),
        this.#l2Caller,
      )
      if (acquired === L2_FAILED) return this.#load(key, loader, options, stale)
      if (acquired) {
        this.#loadingCounters.locksAcquired++
        try {
          return await this.#load(key, loader, options, stale)
        } finally {
          void guard.run(
            'unlock',
            (l2) => l2.deleteIfEquals?.(lockKey, token) ?? Promise.resolve(false),
            this.#l2Caller,
          )
        }
      }
      if (!waited) {
        waited = true
        this.#loadingCounters.lockWaits++
      }
      if (performance.now() >= deadline) {
        this.#loadingCounters.lockWaitsTimedOut++
        return this.#load(key, loader, options, stale)
      }
      await pauseBeforeLook(attempt)
      const found = await this.#readL2(key, guard)
      if (found !== undefined) return found
    }
  }

  /**
   * Announces on the bus that `keys` (every key for `null`) changed, through `run` (the guard, or a
   * repair's executor, which throws on failure). Does nothing without a bus.
   */
  async #publishOnBus<R>(
    run: (operation: string, command: (l2: L2Backend) => Promise<void>, caller: L2Caller) => Promise<R>,
    keys: readonly string[] | null,
  ): Promise<R | undefined> {
    const bus = this.#bus
    if (bus === undefined) return undefined
    const message = bus.encode(this.name, keys)
    return run(
      'publish',
      (l2) => (l2.publish as NonNullable<L2Backend['publish']>)(bus.channel, message),
      this.#l2Caller,
    )
  }

  /** A bus message that could not be sent: its keys are repaired (and announced) when L2 is back. */
  #journalUnannounced(keys: readonly string[] | null): void {
    if (keys === null) this.#journal.recordClear()
    else for (const key of keys) this.#journal.recordKey(this.#keyPrefix + key)
  }

  async #readL2(key: string, guard: L2Guard, stale?: StaleCopy<V>): Promise<V | undefined> {
    const fullKey = this.#keyPrefix + key
    if (this.#journal.isPending(fullKey)) return undefined
    const ticket = this.#inflight.begin(key)
    try {
      const bytes = await guard.run('get', (l2) => l2.get(fullKey), this.#l2Caller)
      if (bytes === L2_FAILED) return undefined
      if (bytes === null) {
        this.#l2Counters.misses++
        return undefined
      }
      const codec = this.#codec as EntryCodec
      let entry: ReturnType<EntryCodec['decode']>
      try {
        entry = codec.decode(bytes)
      } catch (error) {
        this.#discardUndecodable(fullKey, error, guard)
        return undefined
      }
      const remainingMs = entry.expiresAtMs - this.#clock.now()
      if (remainingMs <= 0) {
        this.#l2Counters.misses++
        if (stale !== undefined) {
          stale.value = entry.value as V
          stale.expiredForMs = -remainingMs
        }
        return undefined
      }
      this.#l2Counters.hits++
      const l1 = this.#l1
      if (l1 !== undefined && !ticket.invalidated) {
        const value = entry.value
        l1.set(key, value === null ? NULL_IN_L1 : value, Math.min(this.#options.l1TtlMs, remainingMs))
        // L1 now holds the decoded object; with l1Clone the caller gets its own copy.
        if (this.#options.l1Clone) return structuredClone(value) as V
      }
      return entry.value as V
    } finally {
      this.#inflight.end(ticket)
    }
  }

  /** A corrupt or foreign entry is a miss: counted, logged and removed, never a breaker failure. */
  #discardUndecodable(fullKey: string, error: unknown, guard: L2Guard): void {
    this.#l2Counters.misses++
    this.#l2Counters.corruptEntries++
    const reason = error instanceof EntryDecodeError ? error.reason : 'payload'
    this.#logger.warn(
      { cache: this.name, reason, error: (error as Error).message },
      'Undecodable L2 entry treated as a miss and deleted',
    )
    if ((this.#watched & ERROR) !== 0) this.#emitError('get', 'decode', error)
    void guard.run('delete', (l2) => l2.delete([fullKey]), this.#l2Caller)
  }

  /** Emits a `hit` (L1 or L2). Kept out of line so that the L1 hit path stays small. */
  #emitHit(key: string, layer: CacheLayer): void {
    this.#notify('hit', { cache: this.name, key, layer })
  }

  /** The event of a lookup that went past L1: an L2 `hit`, or a `miss`. */
  #emitLookUp(key: string, found: V | undefined): void {
    if (found !== undefined) {
      if ((this.#watched & HIT) !== 0) this.#emitHit(key, 'l2')
    } else if ((this.#watched & MISS) !== 0) {
      this.#notify('miss', { cache: this.name, key })
    }
  }

  #emitError(operation: string, kind: CacheErrorKind, error: unknown): void {
    const asError = error instanceof Error ? error : new Error(String(error))
    this.#notify('l2:error', { cache: this.name, operation, kind, error: asError })
  }

  /** Emits on this cache, then on the service. */
  #notify<E extends ForwardedCacheEvent>(event: E, ...payload: CacheEvents[E]): void {
    this.#emitHere(event, ...payload)
    this.#emit(event, ...payload)
  }

  /** Emits on this cache only; a throwing listener is logged, never turned into an error of the call. */
  #emitHere<E extends keyof CacheEvents>(event: E, ...payload: CacheEvents[E]): void {
    try {
      // EventEmitter's typing cannot follow a generic event name through a spread payload.
      ;(this.emit as (event: string, ...args: unknown[]) => boolean)(event, ...payload)
    } catch (error) {
      this.#logger.error(
        { cache: this.name, event, error: (error as Error).message },
        'A cache event listener threw',
      )
    }
  }

  /** An L1 hit (counted, and announced when someone listens), or {@link NOT_IN_L1}; misses are the caller's to count. */
  #readL1(key: string): V | typeof NOT_IN_L1 {
    const stored = this.#l1?.get(key)
    if (stored === undefined) return NOT_IN_L1
    this.#l1Counters.hits++
    if ((this.#watched & HIT) !== 0) this.#emitHit(key, 'l1')
    return this.#fromL1(stored)
  }

  #fromL1(stored: unknown): V {
    if (stored === NULL_IN_L1) return null as V
    return (this.#options.l1Clone ? structuredClone(stored) : stored) as V
  }

  #writeL1(key: string, value: V, ttlMs: number): void {
    this.#inflight.invalidate(key)
    const l1 = this.#l1
    if (l1 === undefined) return
    let stored: unknown = value
    if (value === null) stored = NULL_IN_L1
    else if (this.#options.l1Clone) stored = this.#cloneForL1(value)
    l1.set(key, stored, Math.min(ttlMs, this.#options.l1TtlMs))
  }

  #cloneForL1(value: V): unknown {
    try {
      return structuredClone(value)
    } catch (error) {
      throw new CacheSerializationError(`l1Clone: the value cannot be copied: ${(error as Error).message}`, {
        cause: error,
      })
    }
  }

  /** The L2 bytes of a value, or `undefined` for an L1-only cache; throws before anything is written. */
  #encode(value: V, ttlMs: number): Buffer | undefined {
    if (value === undefined) {
      throw new CacheSerializationError('Cannot cache undefined; use delete() to remove a key, or cache null')
    }
    const codec = this.#codec
    if (codec === undefined) return undefined
    return codec.encode(value, this.#clock.now() + ttlMs)
  }

  /** The lifetime of a new entry: `ttl` or `l2Ttl`, shortened by up to `ttlJitter` of it. */
  #entryTtlMs(ttl: Duration | number | undefined, alreadyMs = false): number {
    let ttlMs: number
    if (ttl === undefined) ttlMs = this.#options.l2TtlMs
    else ttlMs = alreadyMs ? (ttl as number) : parseDurationMs(ttl, 'ttl')
    const jitter = this.#options.ttlJitter
    return jitter === 0 ? ttlMs : Math.max(1, Math.round(ttlMs * (1 - jitter * Math.random())))
  }

  /** Deletes every L2 key under this cache's prefix, a SCAN page at a time. Throws when L2 fails. */
  async #unlinkPrefix(execute: L2Executor): Promise<number> {
    const match = `${escapeGlob(this.#keyPrefix)}*`
    let removed = 0
    let cursor = '0'
    do {
      const page = await execute('scan', (l2) => l2.scan(cursor, match, SCAN_COUNT))
      if (page.keys.length > 0) removed += await execute('clear', (l2) => l2.delete(page.keys))
      cursor = page.cursor
    } while (cursor !== '0')
    return removed
  }

  /** An executor over the guard for the caller's own multi-command operations: throws on failure. */
  #throwingExecutor(guard: L2Guard): L2Executor {
    return async (operation, command) => {
      const result = await guard.run(operation, command, this.#l2Caller)
      if (result === L2_FAILED) throw new CacheError(`L2 ${operation} did not complete`)
      return result
    }
  }

  #assertUsable(key: string): void {
    this.#assertOpen()
    assertValidKey(key, this.#keyPrefixBytes)
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new CacheError(`Cache '${this.name}' is closed (its CacheService was closed)`, {
        code: 'E_CLOSED',
      })
    }
  }
}
