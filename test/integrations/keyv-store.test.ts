import Keyv from 'keyv'
import { CacheConfigurationError } from 'resilient-cache'
import { createKeyvStore, ResilientKeyvStore } from 'resilient-cache/keyv'
import { describe, expect, it } from 'vitest'
import { useRawClient, useRedisServer, useServices } from '../helpers/services.js'

const redis = useRedisServer()
const raw = useRawClient(redis)
const openService = useServices()

function usersCache(serializer: 'json' | 'msgpack' = 'json') {
  return openService({ l2Url: redis.server.url }).createCache({
    l2KeyPrefix: 'users',
    l1Enabled: true,
    serializer,
  })
}

describe('createKeyvStore', () => {
  it('refuses anything but a cache, naming the argument', () => {
    expect(() => createKeyvStore({} as never)).toThrow(CacheConfigurationError)
    expect(() => createKeyvStore(null as never)).toThrow(
      /cache: expected a cache from CacheService\.createCache\(\), got null/,
    )
  })

  it("stores Keyv's raw records encoded once when Keyv's serialization is off", async () => {
    const keyv = new Keyv({
      store: createKeyvStore(usersCache()),
      serialize: undefined,
      deserialize: undefined,
    })
    await keyv.set('user:1', { name: 'Ada', tags: ['a'] }, 60_000)
    const stored = (await raw.client.getBuffer('users::keyv:user:1'))?.toString('utf8') ?? ''
    expect(stored).toContain('"value":{"name":"Ada","tags":["a"]}')
    // Keyv's own serialization would have made the record a JSON string inside our JSON: escaped quotes.
    expect(stored).not.toContain('\\"')
    const reader = new Keyv({
      store: createKeyvStore(usersCache()),
      serialize: undefined,
      deserialize: undefined,
    })
    expect(await reader.get('user:1')).toEqual({ name: 'Ada', tags: ['a'] })
  })

  it("round-trips Keyv's serialized strings (its default), Buffers included, through msgpack too", async () => {
    for (const serializer of ['json', 'msgpack'] as const) {
      const keyv = new Keyv({ store: createKeyvStore(usersCache(serializer)) })
      await keyv.set('blob', { bytes: Buffer.from('raw bytes') })
      const reader = new Keyv({ store: createKeyvStore(usersCache(serializer)) })
      expect(await reader.get('blob')).toEqual({ bytes: Buffer.from('raw bytes') })
    }
  })

  it("gives Redis the entry's TTL from Keyv's milliseconds, and the cache's l2Ttl without one", async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache({ l2KeyPrefix: 'users', l2Ttl: 120 })
    const keyv = new Keyv({ store: createKeyvStore(cache) })
    await keyv.set('short', 1, 1500)
    await keyv.set('default', 1)
    const short = await raw.client.pttl('users::keyv:short')
    expect(short).toBeGreaterThan(1000)
    expect(short).toBeLessThanOrEqual(1500)
    const long = await raw.client.pttl('users::keyv:default')
    expect(long).toBeGreaterThan(110_000)
    expect(long).toBeLessThanOrEqual(120_000)
  })

  it("iterates every key of its namespace, page after page, and none of another's", async () => {
    const cache = usersCache()
    const keyv = new Keyv({ store: createKeyvStore(cache), namespace: 'many' })
    const other = new Keyv({ store: createKeyvStore(cache), namespace: 'other' })
    await keyv.setMany(Array.from({ length: 250 }, (_, index) => ({ key: `k${index}`, value: index })))
    await other.set('k0', 'not mine')
    const seen = new Map<string, unknown>()
    expect(keyv.iterator).toBeTypeOf('function')
    // Keyv's iterator takes an argument it ignores (its store's namespace is used).
    for await (const [key, value] of keyv.iterator?.(undefined) ?? []) seen.set(key as string, value)
    expect(seen.size).toBe(250)
    expect(seen.get('k249')).toBe(249)
    expect(seen.get('k0')).toBe(0)
  })

  it("relays the cache's L2 errors through one cache listener, and disconnect() leaves the cache open", async () => {
    const cache = usersCache()
    const stores = Array.from({ length: 20 }, () => createKeyvStore(cache))
    const keyvs = stores.map((store) => new Keyv({ store }))
    expect(keyvs).toHaveLength(20)
    expect(cache.listenerCount('l2:error')).toBe(1)
    await Promise.all(stores.map((store) => store.disconnect()))
    expect(cache.listenerCount('l2:error')).toBe(0)
    await cache.set('still-open', true)
    expect(await cache.get('still-open')).toBe(true)
    expect(stores[0]).toBeInstanceOf(ResilientKeyvStore)
  })
})
