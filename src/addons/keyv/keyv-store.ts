import { EventEmitter } from 'node:events'
import type { KeyvStoreAdapter, StoredData } from 'keyv'
import { CacheConfigurationError, type ResilientTwoLevelCache } from 'resilient-cache'
import { type BatchEntry, deleteMany, getMany, hasMany, setMany, ttlOption } from './cache-batch.js'
import { relayL2Errors } from './l2-error-relay.js'

/** How many keys the iterator reads at a time. */
const ITERATOR_PAGE = 100

/**
 * The `opts` Keyv reads from a store. `dialect: 'redis'` is what makes Keyv offer `keyv.iterator()`:
 * it does so only for stores whose dialect it knows to be iterable.
 */
export interface ResilientKeyvStoreOpts {
  /** Always `'redis'`: the dialect under which Keyv iterates a store. */
  dialect: 'redis'
  /** Left for Keyv's own test suite and callers that set a deserializer on the store; unused here. */
  [option: string]: unknown
}

/**
 * A Keyv store (the adapter contract of Keyv 5, which cache-manager 6/7, cacheable and NestJS's
 * `CacheModule` take) over a {@link ResilientTwoLevelCache}: reads hit L1 first, every L2 call keeps
 * the cache's timeout and circuit breaker, and L2 trouble turns into misses and L1-only writes, never
 * into rejections.
 *
 * - Values are stored as Keyv hands them over: its serialized strings (Keyv's default), or the raw
 *   `{ value, expires }` records when Keyv's serialization is off, which the cache's own serializer
 *   then encodes once (preferred: no double encoding, and L1 hits skip decoding altogether).
 * - TTLs arrive from Keyv in milliseconds; without one an entry lives the cache's `l2Ttl`.
 * - Keys arrive from Keyv as `namespace:key`; `clear()` and `iterator()` only ever touch keys under
 *   this store's namespace (all of the cache's keys when Keyv gives none).
 * - `error` events: the cache's L2 errors (timeouts, connection loss), relayed while someone listens
 *   (Keyv always does, and re-emits them). Calls keep answering meanwhile.
 * - `disconnect()` detaches the store from the cache; the cache and its `CacheService` are the
 *   caller's, and stay open until the caller closes the service.
 */
export class ResilientKeyvStore extends EventEmitter implements KeyvStoreAdapter {
  /** The cache this store reads and writes. */
  readonly cache: ResilientTwoLevelCache<unknown>
  /** Set by Keyv: the namespace its keys are prefixed with (`keyv` unless configured). */
  namespace?: string | undefined
  /** What Keyv inspects on a store; see {@link ResilientKeyvStoreOpts}. */
  opts: ResilientKeyvStoreOpts = { dialect: 'redis' }
  #stopRelay: (() => void) | undefined

  /** @throws CacheConfigurationError when `cache` is not a cache from `CacheService.createCache()`. */
  constructor(cache: ResilientTwoLevelCache<unknown>) {
    super()
    if (!isCache(cache)) {
      throw new CacheConfigurationError(
        'cache',
        `expected a cache from CacheService.createCache(), got ${cache === null ? 'null' : typeof cache}`,
      )
    }
    this.cache = cache
    // Subscribed to the cache only while someone listens here: an EventEmitter throws an `error`
    // nobody listens to.
    this.on('newListener', (event: string | symbol) => {
      if (event === 'error' && this.#stopRelay === undefined) {
        this.#stopRelay = relayL2Errors(cache, (error) => this.emit('error', error))
      }
    })
    this.on('removeListener', (event: string | symbol) => {
      if (event === 'error' && this.listenerCount('error') === 0) this.#detach()
    })
  }

  /** The stored record for `key` (Keyv's string, or its raw record), `undefined` on a miss. */
  get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    // The cache's own promise, not an async wrapper around it: one microtask less per call, which
    // shows with many calls in flight. The cache's methods never throw synchronously.
    return this.cache.get(key) as Promise<StoredData<Value> | undefined>
  }

  /** The stored records for `keys`, in order. */
  async getMany<Value>(keys: string[]): Promise<Array<StoredData<Value | undefined>>> {
    return (await getMany(this.cache, keys)) as Array<StoredData<Value | undefined>>
  }

  /**
   * Stores Keyv's record for `key` for `ttlMs` milliseconds (the cache's `l2Ttl` when absent). Resolves
   * (Keyv then reports success) also when L2 was out of reach: the value is then in L1, and L2 is
   * repaired when it returns.
   */
  set(key: string, value: unknown, ttlMs?: number): Promise<void> {
    return this.cache.set(key, value, ttlOption(ttlMs))
  }

  /** Stores several records; as {@link set}. */
  async setMany(entries: Array<{ key: string; value: unknown; ttl?: number }>): Promise<void> {
    const batch: BatchEntry[] = entries.map(({ key, value, ttl }) => ({ key, value, ttlMs: ttl }))
    await setMany(this.cache, batch)
  }

  /** Removes `key`; resolves whether L1 or L2 held it. */
  delete(key: string): Promise<boolean> {
    return this.cache.delete(key)
  }

  /** Removes `keys`; resolves `true` when at least one of them was held (as `@keyv/redis` does). */
  async deleteMany(keys: string[]): Promise<boolean> {
    return (await deleteMany(this.cache, keys)) > 0
  }

  /** Whether `key` is cached (L1, then L2), without reading its value. */
  has(key: string): Promise<boolean> {
    return this.cache.isOnCache(key)
  }

  /** {@link has} for each of `keys`, in order. */
  hasMany(keys: string[]): Promise<boolean[]> {
    return hasMany(this.cache, keys)
  }

  /**
   * Removes this store's namespace from the cache (L1 and L2), and nothing else: other namespaces, and
   * keys written to the cache directly, stay. Without a namespace, clears the whole cache (only it).
   */
  async clear(): Promise<void> {
    const prefix = namespacePrefix(this.namespace)
    if (prefix === '') {
      await this.cache.clear()
      return
    }
    await deleteMany(this.cache, await this.cache.listKeys(prefix))
  }

  /** Yields `[key, record]` for each key under `namespace` (every key of the cache without one). */
  async *iterator<Value>(
    namespace?: string,
  ): AsyncGenerator<Array<string | Awaited<Value> | undefined>, void> {
    const keys = await this.cache.listKeys(namespacePrefix(namespace))
    for (let start = 0; start < keys.length; start += ITERATOR_PAGE) {
      const page = keys.slice(start, start + ITERATOR_PAGE)
      const records = await getMany(this.cache, page)
      for (const [index, key] of page.entries()) {
        const record = records[index]
        // Expired or deleted since the keys were listed.
        if (record !== undefined) yield [key, record as Awaited<Value>]
      }
    }
  }

  /** Stops relaying the cache's errors. The cache and its service stay open: they are the caller's. */
  async disconnect(): Promise<void> {
    this.#detach()
  }

  #detach(): void {
    this.#stopRelay?.()
    this.#stopRelay = undefined
  }
}

/**
 * A Keyv store over `cache` (a cache from `CacheService.createCache()`). Give it to Keyv, and Keyv to
 * cache-manager, cacheable or NestJS.
 *
 * @example
 * const users = service.createCache({ name: 'users' })
 * const cache = createCache({ stores: [new Keyv({ store: createKeyvStore(users) })] })
 */
export function createKeyvStore(cache: ResilientTwoLevelCache<unknown>): ResilientKeyvStore {
  return new ResilientKeyvStore(cache)
}

const CACHE_METHODS = ['get', 'set', 'delete', 'clear', 'isOnCache', 'listKeys', 'on', 'off'] as const

/**
 * Whether `value` has the cache methods the store calls. Not `instanceof`: with two copies of the
 * package installed (an app's and a library's), a cache from one is still a cache to the other.
 */
function isCache(value: unknown): value is ResilientTwoLevelCache<unknown> {
  if (typeof value !== 'object' || value === null) return false
  const candidate = value as Record<string, unknown>
  return CACHE_METHODS.every((method) => typeof candidate[method] === 'function')
}

/** The key prefix of a Keyv namespace, as Keyv writes it (`ns:`), or `''` for none. */
function namespacePrefix(namespace: string | undefined): string {
  return namespace === undefined || namespace === '' ? '' : `${namespace}:`
}
