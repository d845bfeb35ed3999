/**
 * The peers, each configured the way its README shows for an L1 (memory) + L2 (Redis) cache, with
 * its defaults otherwise: the table compares what users get out of the box. Where a documented
 * option changes a peer's speed a lot (cacheable's `useClone`; its README spells it `useClones`), an extra "info" row shows it too.
 *
 * Every peer gets its own Redis connection(s) and its own key namespace on the bench's server.
 */
import KeyvRedis, { createKeyv as createKeyvRedis } from '@keyv/redis'
import { BentoCache, bentostore } from 'bentocache'
import { memoryDriver } from 'bentocache/drivers/memory'
import { redisDriver } from 'bentocache/drivers/redis'
import { type Cache as CacheManager, createCache } from 'cache-manager'
import { Cacheable, createKeyv as createKeyvMemory } from 'cacheable'
import { Redis as Redis5 } from 'ioredis'
import { Redis as Redis6 } from 'ioredis6'
import type { Keyv } from 'keyv'

/** Entry lifetime everywhere: longer than a whole bench run, so nothing expires while measured. */
export const TTL_MS = 3_600_000

/** Host and port of the bench's own redis-server. */
export interface RedisTarget {
  host: string
  port: number
  url: string
}

type Disposer = () => Promise<unknown>

/** Creates peer instances and closes all of them at the end (also after an error). */
export class Peers {
  readonly #redis: RedisTarget
  readonly #disposers: Disposer[] = []

  constructor(redis: RedisTarget) {
    this.#redis = redis
  }

  /** A plain ioredis 6 client: the same client library and version resilient-cache runs on here. */
  rawIoredis6(): Redis6 {
    const client = new Redis6({ host: this.#redis.host, port: this.#redis.port })
    this.#disposers.push(() => client.quit())
    return client
  }

  /** A plain ioredis 5 client, the version BentoCache runs on (for reference only). */
  rawIoredis5(): Redis5 {
    const client = new Redis5({ host: this.#redis.host, port: this.#redis.port })
    this.#disposers.push(() => client.quit())
    return client
  }

  /**
   * BentoCache 1.6: memory L1 (its defaults: entries serialized, LRU) and/or Redis L2 on ioredis 5.
   * `l1` sets the L1 capacity; `l2: false` leaves L2 out (memory case).
   */
  bentocache(options: { prefix: string; l1?: { maxItems: number }; l2: boolean }): BentoCache<{
    cache: ReturnType<typeof bentostore>
  }> {
    let store = bentostore()
    if (options.l1 !== undefined) store = store.useL1Layer(memoryDriver({ maxItems: options.l1.maxItems }))
    if (options.l2) {
      store = store.useL2Layer(
        redisDriver({
          connection: { host: this.#redis.host, port: this.#redis.port },
          prefix: options.prefix,
        }),
      )
    }
    const bento = new BentoCache({
      default: 'cache',
      ttl: TTL_MS,
      prefix: options.prefix,
      stores: { cache: store },
    })
    this.#disposers.push(() => bento.disconnectAll())
    return bento
  }

  /**
   * cacheable 2: its default primary (CacheableMemory through Keyv) and `@keyv/redis` as secondary,
   * as its README's layer 1 / layer 2 example. `primary: 'redis'` makes Redis the only layer (L2
   * case: cacheable has no switch to turn its memory layer off); `useClone: false` is the
   * documented tuning of the memory layer.
   */
  cacheable(options: {
    namespace: string
    primary: 'memory' | 'redis'
    secondary: boolean
    useClone?: boolean
  }): Cacheable {
    const redisStore = (): KeyvRedis<unknown> =>
      new KeyvRedis(this.#redis.url, { namespace: options.namespace })
    const primary =
      options.primary === 'redis'
        ? redisStore()
        : options.useClone === false
          ? createKeyvMemory({ useClone: false })
          : undefined
    const cache = new Cacheable({
      ttl: TTL_MS,
      namespace: options.namespace,
      ...(primary === undefined ? {} : { primary }),
      ...(options.secondary ? { secondary: redisStore() } : {}),
    })
    this.#disposers.push(() => cache.disconnect())
    return cache
  }

  /**
   * cache-manager 7: the README's multiple-stores example, cacheable's `createKeyv()` (CacheableMemory
   * in a Keyv without serialization) as L1 then `@keyv/redis`'s `createKeyv()` as L2; either can be
   * left out.
   */
  cacheManager(options: { namespace: string; l1?: { lruSize: number }; l2: boolean }): CacheManager {
    const stores: Keyv[] = []
    if (options.l1 !== undefined) {
      stores.push(createKeyvMemory({ ttl: TTL_MS, lruSize: options.l1.lruSize }))
    }
    if (options.l2) stores.push(createKeyvRedis(this.#redis.url, { namespace: options.namespace }))
    const cache = createCache({ stores, ttl: TTL_MS })
    this.#disposers.push(() => cache.disconnect())
    return cache
  }

  /** Closes every client and cache created here; failures are reported, not thrown. */
  async closeAll(): Promise<void> {
    const results = await Promise.allSettled(this.#disposers.splice(0).map((dispose) => dispose()))
    for (const result of results) {
      if (result.status === 'rejected') console.warn(`closing a peer failed: ${String(result.reason)}`)
    }
  }
}
