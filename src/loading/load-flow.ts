import type { Logger } from '../kernel/logger.js'
import { L2_FAILED, type L2Caller, type L2Guard } from '../resilience/l2-guard.js'
import { lockKeyOf, newLockToken, pauseBeforeLook } from './distributed-lock.js'
import type { ResolvedGetOrSetOptions } from './loading-options.js'
import { SingleFlight } from './single-flight.js'

/** Filled by an L2 read that found an expired entry, for `staleIfError`. */
export interface StaleCopy<V> {
  value: V | undefined
  /** How long ago it expired, ms. */
  expiredForMs: number
}

/** What the loading flow needs of its cache: the lookups and the write it builds on. */
export interface LoadTarget<V> {
  readonly name: string
  /** `<l2KeyPrefix>::`, what every L2 key of the cache starts with. */
  readonly keyPrefix: string
  /** The door to L2 and how the cache presents itself there; `undefined` for an L1-only cache. */
  readonly l2: { readonly guard: L2Guard; readonly caller: L2Caller } | undefined
  readonly logger: Logger
  /** After an L1 miss: counts it, reads L2 (filling `stale` with an expired copy) and announces the lookup. */
  lookUpPastL1(key: string, stale: StaleCopy<V> | undefined): Promise<V | undefined>
  /** A plain L2 read (promoted into L1): the value, or `undefined` for a miss or when L2 failed. */
  readL2(key: string): Promise<V | undefined>
  /** Writes L1 then L2, the L2 copy kept `retainMs` past `ttlMs` (for `staleIfError`). */
  writeThrough(key: string, value: V, ttlMs: number, retainMs: number): Promise<void>
  /** The lifetime of a new entry: `ttlMs`, or the cache's `l2Ttl`, with the cache's jitter. */
  entryTtlMs(ttlMs: number | undefined): number
}

/** What `getOrSet` / `wrap` counted, for `stats.loading`. */
export interface LoadingCounters {
  /** Loader calls made (one per single flight). */
  loads: number
  loadErrors: number
  /** Expired copies served because the loader threw (`staleIfError`). */
  staleServed: number
  /** Distributed locks won, and waits for another instance's value (with how many ended in time). */
  locksAcquired: number
  lockWaits: number
  lockWaitsTimedOut: number
}

/**
 * The loader flow of `getOrSet` after an L1 miss: one flight per key in this process, L2, then the
 * loader (under a distributed lock when asked), its value written through, or an expired copy served
 * when the loader throws and `staleIfError` allows it.
 */
export class LoadFlow<V> {
  readonly counters: LoadingCounters = {
    loads: 0,
    loadErrors: 0,
    staleServed: 0,
    locksAcquired: 0,
    lockWaits: 0,
    lockWaitsTimedOut: 0,
  }
  readonly #target: LoadTarget<V>
  readonly #flights = new SingleFlight<V>()

  constructor(target: LoadTarget<V>) {
    this.#target = target
  }

  /** The value of `key` from L2 or the loader; concurrent calls for one key share one flight. */
  run(key: string, loader: () => V | PromiseLike<V>, options: ResolvedGetOrSetOptions): Promise<V> {
    return this.#flights.run(key, () => this.#lookUpOrLoad(key, loader, options))
  }

  /** One flight: L2, then the loader (under a distributed lock when asked). */
  async #lookUpOrLoad(
    key: string,
    loader: () => V | PromiseLike<V>,
    options: ResolvedGetOrSetOptions,
  ): Promise<V> {
    const target = this.#target
    const stale: StaleCopy<V> = { value: undefined, expiredForMs: Number.POSITIVE_INFINITY }
    const found = await target.lookUpPastL1(key, options.staleGraceMs > 0 ? stale : undefined)
    if (found !== undefined) return found
    const l2 = target.l2
    if (options.distributed && l2 !== undefined) return this.#loadUnderLock(key, loader, options, l2, stale)
    return this.#load(key, loader, options, stale)
  }

  /** Calls the loader and stores its value; on a loader error, serves `stale` if it is recent enough. */
  async #load(
    key: string,
    loader: () => V | PromiseLike<V>,
    options: ResolvedGetOrSetOptions,
    stale: StaleCopy<V>,
  ): Promise<V> {
    this.counters.loads++
    let value: V
    try {
      value = await loader()
    } catch (error) {
      this.counters.loadErrors++
      if (stale.value !== undefined && stale.expiredForMs <= options.staleGraceMs) {
        this.counters.staleServed++
        this.#target.logger.warn(
          {
            cache: this.#target.name,
            expiredForMs: Math.round(stale.expiredForMs),
            error: (error as Error)?.message,
          },
          'Loader failed: serving the expired copy (staleIfError)',
        )
        return stale.value
      }
      throw error
    }
    const target = this.#target
    await target.writeThrough(key, value, target.entryTtlMs(options.ttlMs), options.staleGraceMs)
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
    { guard, caller }: { readonly guard: L2Guard; readonly caller: L2Caller },
    stale: StaleCopy<V>,
  ): Promise<V> {
    const lockKey = lockKeyOf(this.#target.keyPrefix + key)
    const token = newLockToken()
    const deadline = performance.now() + options.lockTimeoutMs
    let waited = false
    for (let attempt = 0; ; attempt++) {
      const acquired = await guard.run(
        'lock',
        (l2) => l2.setIfNotExist(lockKey, token, options.lockTimeoutMs),
        caller,
      )
      if (acquired === L2_FAILED) return this.#load(key, loader, options, stale)
      if (acquired) {
        this.counters.locksAcquired++
        try {
          return await this.#load(key, loader, options, stale)
        } finally {
          void guard.run(
            'unlock',
            (l2) => l2.deleteIfEquals?.(lockKey, token) ?? Promise.resolve(false),
            caller,
          )
        }
      }
      if (!waited) {
        waited = true
        this.counters.lockWaits++
      }
      if (performance.now() >= deadline) {
        this.counters.lockWaitsTimedOut++
        return this.#load(key, loader, options, stale)
      }
      await pauseBeforeLook(attempt)
      const found = await this.#target.readL2(key)
      if (found !== undefined) return found
    }
  }
}
