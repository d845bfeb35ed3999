import type { L1Backend } from '../backends/l1/l1-backend.js'
import { assertCallOptions, LIST_KEYS_OPTION_NAMES, SET_OPTION_NAMES } from '../config/call-options.js'
import { parseDurationMs } from '../config/durations.js'
import type { InvalidationMode, ResolvedCacheOptions } from '../config/options.js'
import { InflightReads, type ReadTicket } from '../invalidation/inflight-reads.js'
import type { InvalidationReceiver } from '../invalidation/invalidation-bus.js'
import { L1Invalidator } from '../invalidation/l1-invalidator.js'
import { CacheError } from '../kernel/errors.js'
import type { BreakerEvent, CacheEvents, ResyncReason } from '../kernel/events.js'
import { assertValidKey, KEY_SEPARATOR } from '../kernel/keys.js'
import type { Logger } from '../kernel/logger.js'
import { CLEAR, DELETE, ERROR, INVALIDATION, MISS, SET, WatchedEmitter } from '../kernel/watched-emitter.js'
import { LoadFlow } from '../loading/load-flow.js'
import type { Loader } from '../loading/loader-context.js'
import {
  defaultGetOrSetOptions,
  type GetOrSetOptions,
  type ResolvedGetOrSetOptions,
  resolveGetOrSetOptions,
  type WrapOptions,
} from '../loading/loading-options.js'
import { wrapWith } from '../loading/wrap.js'
import type { L2Executor, RepairParticipant } from '../resilience/l2-guard.js'
import { CacheNotifier } from './cache-notifier.js'
import type { CacheParts } from './cache-parts.js'
import { type CacheStats, cacheStatsOf } from './cache-stats.js'
import { CacheDataPath } from './data-path.js'
import { NOT_IN_L1 } from './l1-values.js'
import { L2Layer } from './l2-layer.js'
import type { ClearResult, ListKeysOptions, SetOptions } from './method-types.js'

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
  /** The cache's side of L2 (guard, journal, announcements), `undefined` for an L1-only cache. */
  readonly #l2: L2Layer | undefined
  readonly #logger: Logger
  readonly #inflight = new InflightReads()
  /** L1 and L2 reads, promotion and the write-through, shared with the loading flow. */
  readonly #path: CacheDataPath<V>
  readonly #keyPrefixBytes: number
  readonly #invalidation: InvalidationMode
  readonly #invalidator: L1Invalidator
  readonly #loading: LoadFlow<V>
  /** What a `getOrSet` without options gets: the cache's loading defaults. */
  readonly #getOrSetDefaults: ResolvedGetOrSetOptions
  #closed = false
  readonly #events: CacheNotifier
  #stopWatchingBreaker: (() => void) | undefined

  /** @internal Use `CacheService.createCache()`. */
  constructor(parts: CacheParts) {
    super()
    const { options, guard, codec } = parts
    this.#options = options
    this.name = options.name
    this.#l1 = parts.l1
    this.#logger = parts.logger
    const keyPrefix = options.l2KeyPrefix === undefined ? '' : options.l2KeyPrefix + KEY_SEPARATOR
    this.#keyPrefixBytes = Buffer.byteLength(keyPrefix)
    this.#invalidation = parts.invalidation
    this.#invalidator = new L1Invalidator(parts.l1, this.#inflight, parts.invalidation)
    // EventEmitter's typing cannot follow a generic event name through a spread payload.
    const emitHere = (event: string, ...payload: unknown[]) =>
      (this.emit as (event: string, ...args: unknown[]) => boolean)(event, ...payload)
    this.#events = new CacheNotifier(this.name, emitHere, parts.emit, parts.serviceListening, parts.logger)
    if (guard !== undefined && codec !== undefined) {
      this.#l2 = new L2Layer({
        name: this.name,
        keyPrefix,
        guard,
        codec,
        clock: parts.clock,
        logger: parts.logger,
        repairJournalMaxEntries: parts.repairJournalMaxEntries,
        bus: parts.invalidation === 'bus' ? parts.bus : undefined,
        onError: (operation, kind, error) => {
          if ((this.#events.watched & ERROR) !== 0) this.#events.error(operation, kind, error)
        },
      })
      this.#stopWatchingBreaker = guard.breaker.onStateChange((state, previous) => {
        const event: BreakerEvent = { breaker: guard.name, state, previous }
        this.#events.here(`breaker:${state === 'closed' ? 'close' : state}`, event)
      })
    }
    const path = new CacheDataPath<V>({
      name: this.name,
      options,
      l1: parts.l1,
      l2: this.#l2,
      clock: parts.clock,
      inflight: this.#inflight,
      events: this.#events,
    })
    this.#path = path
    this.#getOrSetDefaults = defaultGetOrSetOptions(options.loading)
    const l2 = this.#l2
    this.#loading = new LoadFlow<V>({
      name: this.name,
      keyPrefix,
      l2,
      logger: this.#logger,
      clock: parts.clock,
      events: this.#events,
      defaultTtlMs: options.l2TtlMs,
      readL1: (key, probe) => {
        if (probe !== undefined) return path.readL1Probed(key, probe)
        const inL1 = path.readL1(key)
        return inL1 === NOT_IN_L1 ? undefined : inL1
      },
      lookUpPastL1: (key, probe, budget, keep) => path.lookUpPastL1(key, probe, budget, keep),
      readL2: (key, probe, budget, keep) => path.readL2(key, l2 as L2Layer, probe, budget, keep),
      writeThrough: (key, value, ttlMs, keep, budget) => path.writeThrough(key, value, ttlMs, keep, budget),
      entryTtlMs: (ttlMs) => path.entryTtlMs(ttlMs),
      beginLoad: (key) => this.#inflight.begin(key),
      endLoad: (ticket) => this.#inflight.end(ticket as ReadTicket),
    })
  }

  /**
   * The value for `key`, or `undefined` on a miss. An L1 hit resolves without touching L2; an L2 hit
   * is promoted into L1 for min(`l1Ttl`, the entry's remaining lifetime). Never rejects for L2 trouble.
   */
  async get(key: string): Promise<V | undefined> {
    this.#assertUsable(key)
    const path = this.#path
    const inL1 = path.readL1(key)
    if (inL1 !== NOT_IN_L1) return inL1
    // The same steps as the path's lookUpPastL1, written out: one async layer less on the hottest L2 path.
    if (this.#l1 !== undefined) path.l1Counters.misses++
    const l2 = this.#l2
    if (l2 === undefined) {
      if ((this.#events.watched & MISS) !== 0) this.#events.notify('miss', { cache: this.name, key })
      return undefined
    }
    const value = await path.readL2(key, l2)
    if (this.#events.watched !== 0) this.#events.lookUp(key, value)
    return value
  }

  /**
   * Stores a value in L1 and L2. Rejects with `CacheSerializationError` for `undefined` or a value the
   * serializer cannot encode, before anything is written. When L2 cannot be reached the write stays in
   * L1 and the key is invalidated in L2 as soon as it returns.
   */
  async set(key: string, value: V, options?: SetOptions): Promise<void> {
    this.#assertUsable(key)
    assertCallOptions(options, SET_OPTION_NAMES, 'set')
    const path = this.#path
    await path.writeThrough(key, value, path.entryTtlMs(ttlMsOf(options)))
  }

  /**
   * The value for `key`; on a miss, the value `loader(ctx)` resolves, which is then stored. Concurrent
   * callers for one key in this process share one lookup and one loader call (single flight; the
   * first caller's options apply to the flight); with `lock: 'distributed'`, at most one instance
   * loads at a time. A loader error reaches every caller of the flight and nothing is cached, unless
   * `grace` kept an expired copy to serve instead. `eagerRefresh`, `softTimeout`, `hardTimeout` and
   * `signal` bound how long callers wait; see {@link GetOrSetOptions} and {@link LoaderContext}.
   */
  async getOrSet(key: string, loader: Loader<V>, options?: GetOrSetOptions): Promise<V> {
    this.#assertUsable(key)
    if (typeof loader !== 'function') {
      throw new TypeError(`getOrSet: loader must be a function, got ${typeof loader}`)
    }
    return this.#loading.getOrSet(
      key,
      loader,
      resolveGetOrSetOptions(options, 'getOrSet', this.#getOrSetDefaults),
    )
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
    const getOrSet = (key: string, loader: Loader<V>, callOptions?: GetOrSetOptions) =>
      this.getOrSet(key, loader, callOptions)
    return wrapWith<V, A>(getOrSet, fn, options, this.#getOrSetDefaults)
  }

  /**
   * Stores a value only when the key has none (`SET NX` in L2, or L1 when L2 is unavailable).
   * Resolves `true` when this call wrote the value, `false` when a value was already there.
   */
  async setIfNotExist(key: string, value: V, options?: SetOptions): Promise<boolean> {
    this.#assertUsable(key)
    assertCallOptions(options, SET_OPTION_NAMES, 'setIfNotExist')
    const path = this.#path
    const ttlMs = path.entryTtlMs(ttlMsOf(options))
    const encoded = path.encode(value, ttlMs)
    if (this.#l2 !== undefined && encoded !== undefined) {
      const written = await this.#l2.setIfNotExist(key, encoded, ttlMs)
      if (written === false) return false
      if (written === true) {
        path.writeL1(key, value, ttlMs)
        if ((this.#events.watched & SET) !== 0)
          this.#events.notify('set', { cache: this.name, key, l2Written: true })
        return true
      }
    }
    // L1-only, or L2 could not tell: L1 decides (an expired copy kept by grace is no value).
    if (this.#l1 === undefined || path.l1HasLive(key)) return false
    path.writeL1(key, value, ttlMs)
    if ((this.#events.watched & SET) !== 0)
      this.#events.notify('set', { cache: this.name, key, l2Written: false })
    return true
  }

  /** Removes a key from L2 then L1. Resolves `true` when either held it. */
  async delete(key: string): Promise<boolean> {
    this.#assertUsable(key)
    let removed = (await this.#l2?.delete(key)) === true
    // After the L2 delete, so that a read that raced it cannot put the old value back into L1.
    this.#inflight.invalidate(key)
    if (this.#l1?.delete(key)) removed = true
    if ((this.#events.watched & DELETE) !== 0)
      this.#events.notify('delete', { cache: this.name, key, removed })
    return removed
  }

  /**
   * Removes this cache's entries, and only them: L1, and in L2 the keys under its own prefix
   * (`SCAN` + `UNLINK` in batches, never `KEYS` or `FLUSHDB`). When L2 cannot be cleared now, the
   * clear is repaired when it returns (`l2Cleared: false`).
   */
  async clear(): Promise<ClearResult> {
    this.#assertOpen()
    const l2Removed = await this.#l2?.clear()
    const l2ItemsRemoved = l2Removed ?? 0
    const l2Cleared = l2Removed !== undefined
    this.#inflight.invalidateAll()
    const l1ItemsRemoved = this.#l1?.clear() ?? 0
    if ((this.#events.watched & CLEAR) !== 0) {
      this.#events.notify('clear', { cache: this.name, l1ItemsRemoved, l2ItemsRemoved, l2Cleared })
    }
    return { l1ItemsRemoved, l2ItemsRemoved, l2Cleared, timestamp: Date.now() }
  }

  /** Whether the key is cached (L1, then L2 `EXISTS`); does not promote. */
  async isOnCache(key: string): Promise<boolean> {
    this.#assertUsable(key)
    if (this.#path.l1HasLive(key)) return true
    return (await this.#l2?.exists(key)) === true
  }

  /**
   * The key's remaining lifetime in seconds (L2's `PTTL` when L2 answers, else L1's), `Infinity` for
   * an entry without expiry, `undefined` for a missing key.
   */
  async getTtl(key: string): Promise<number | undefined> {
    this.#assertUsable(key)
    const remainingMs = (await this.#l2?.remainingTtlMs(key)) ?? this.#path.l1RemainingMs(key)
    return remainingMs === undefined ? undefined : remainingMs / 1000
  }

  /**
   * The keys of this cache that start with `prefix` (L1 and L2, de-duplicated, without the L2 prefix).
   * Glob characters in `prefix` match themselves.
   */
  async listKeys(prefix = '', options: ListKeysOptions = {}): Promise<string[]> {
    this.#assertOpen()
    assertCallOptions(options, LIST_KEYS_OPTION_NAMES, 'listKeys')
    if (typeof prefix !== 'string')
      throw new TypeError(`listKeys: prefix must be a string, got ${typeof prefix}`)
    const limit = options.limit ?? Number.POSITIVE_INFINITY
    if (limit !== Number.POSITIVE_INFINITY && !(Number.isInteger(limit) && limit >= 1)) {
      throw new TypeError(`listKeys: limit must be an integer >= 1, got ${String(options.limit)}`)
    }
    const keys = new Set<string>()
    for (const key of this.#path.l1LiveKeys()) {
      if (keys.size >= limit) return [...keys]
      if (key.startsWith(prefix)) keys.add(key)
    }
    await this.#l2?.collectKeys(prefix, keys, limit)
    return [...keys]
  }

  /** Statistics, synchronously and without I/O: safe for health checks and metric scrapes. */
  getStats(): CacheStats {
    return cacheStatsOf({
      options: this.#options,
      l1: this.#l1,
      l1Counters: this.#path.l1Counters,
      l2: this.#l2,
      loading: this.#loading.counters,
      invalidation: this.#invalidation,
      invalidator: this.#invalidator,
    })
  }

  /** @internal Part of the guard's recovery: whether L2 owes this cache invalidations. */
  hasPendingRepairs(): boolean {
    return this.#l2 !== undefined && !this.#l2.journal.isEmpty
  }

  /** @internal Replays the repair journal as invalidations; throws when L2 fails mid-way. */
  async repair(execute: L2Executor): Promise<void> {
    if (this.#l2 === undefined) return
    const outcome = await this.#l2.repair(execute)
    const event = { cache: this.name, ...outcome }
    this.#logger.info(event, 'L2 repaired after an outage')
    this.#events.notify('repair', event)
  }

  /**
   * @internal L2 is back after an outage or a reconnection: other instances may have changed or
   * deleted keys meanwhile without this process hearing of it, so L1 (and the reads in flight) are
   * dropped. Entries this process wrote during the outage go too: another instance may have written
   * the same key, and only the source of truth can tell which write is newer.
   */
  resync(reason: ResyncReason): void {
    const l1ItemsDropped = this.#invalidator.resync(reason)
    if (l1ItemsDropped === undefined) return
    const event = { cache: this.name, reason, l1ItemsDropped }
    // An empty L1 lost nothing: not worth an info line on every reconnection.
    const log = l1ItemsDropped > 0 ? this.#logger.info : this.#logger.debug
    log.call(this.#logger, event, 'L1 dropped: invalidations may have been missed while L2 was out of reach')
    this.#events.notify('resync', event)
  }

  /**
   * @internal Another instance (bus) or program (tracking) changed these keys (every key for `null`):
   * drop them from L1, and keep reads in flight from putting the old values back.
   */
  applyInvalidation(keys: readonly string[] | null): void {
    const l1ItemsDropped = this.#invalidator.apply(keys)
    if ((this.#events.watched & INVALIDATION) !== 0) {
      const source = this.#invalidation === 'tracking' ? 'tracking' : 'bus'
      this.#events.notify('invalidation', { cache: this.name, source, keys, l1ItemsDropped })
    }
  }

  /** @internal The service's listeners changed: `mask` says which watched events it now has. */
  serviceListeningChanged(mask: number): void {
    this.#events.serviceListeningChanged(mask)
  }

  /** The events with a listener on this cache changed. */
  protected override listeningChanged(mask: number): void {
    this.#events.cacheListeningChanged(mask)
  }

  /** @internal Sends the invalidations still waiting for the end of this tick (before close). */
  async flushInvalidations(): Promise<void> {
    await this.#l2?.flushAnnouncements()
  }

  /** @internal Called by the service on close: later calls reject with code `E_CLOSED`. */
  markClosed(): void {
    this.#closed = true
    this.#stopWatchingBreaker?.()
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

/** The `ttl` of per-call options in ms, or `undefined` for the cache's default. */
function ttlMsOf(options: SetOptions | undefined): number | undefined {
  return options?.ttl === undefined ? undefined : parseDurationMs(options.ttl, 'ttl')
}
