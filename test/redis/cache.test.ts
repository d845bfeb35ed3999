import { describe, expect, it } from 'vitest'
import { createEntryCodec } from '../../src/backends/l2/entry-format.js'
import { CacheSerializationError, getSerializer, isCacheSerializationError } from '../../src/index.js'
import { FakeClock } from '../helpers/fake-clock.js'
import { useRawClient, useRedisServer, useServices } from '../helpers/services.js'

const redis = useRedisServer()
const openService = useServices()
const rawClient = useRawClient(redis)

/** A well-formed v8 entry whose payload bytes were then damaged. */
function corruptPayload(): Buffer {
  const codec = createEntryCodec(getSerializer('v8'), { maxValueBytes: 1024 })
  const bytes = Buffer.from(codec.encode({ name: 'a value of some length' }, Date.now() + 60_000))
  bytes.fill(0xff, bytes.length - 12)
  return bytes
}

describe('get and set', () => {
  it('writes through to L2 and reads back from another instance', async () => {
    const a = openService({ l2Url: redis.server.url }).createCache({ l2KeyPrefix: 'users', l1Enabled: true })
    const b = openService({ l2Url: redis.server.url }).createCache({ l2KeyPrefix: 'users', l1Enabled: true })
    await a.set('user_1', { name: 'Ada' })
    expect(await b.get('user_1')).toEqual({ name: 'Ada' })
    expect(await rawClient.client.exists('users::user_1')).toBe(1)
  })

  it('returns undefined for a missing key and counts the miss in both levels', async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache({
      l2KeyPrefix: 'users',
      l1Enabled: true,
    })
    expect(await cache.get('nobody')).toBeUndefined()
    const stats = cache.getStats()
    expect(stats.l1.misses).toBe(1)
    expect(stats.l2.misses).toBe(1)
  })

  it('caches null as a value, distinct from a miss', async () => {
    const a = openService({ l2Url: redis.server.url }).createCache({ l2KeyPrefix: 'n', l1Enabled: true })
    const b = openService({ l2Url: redis.server.url }).createCache({ l2KeyPrefix: 'n' })
    await a.set('nothing', null)
    expect(await a.get('nothing')).toBeNull()
    expect(await b.get('nothing')).toBeNull()
    expect(a.getStats().l1.hits).toBe(1)
  })

  it('promotes an L2 hit into L1 so the next get does not touch L2', async () => {
    // No bus: the writer's announcement would (rightly) drop the promoted copy this test looks at.
    const config = { l2Url: redis.server.url, invalidation: 'none' } as const
    const writer = openService(config).createCache({ l2KeyPrefix: 'p' })
    const reader = openService(config).createCache({ l2KeyPrefix: 'p', l1Enabled: true })
    await writer.set('k', 'v')
    expect(await reader.get('k')).toBe('v')
    await rawClient.client.del('p::k')
    expect(await reader.get('k')).toBe('v')
    const stats = reader.getStats()
    expect(stats.l2.hits).toBe(1)
    expect(stats.l1.hits).toBe(1)
  })

  it('gives a promoted entry min(l1Ttl, remaining L2 lifetime) in L1', async () => {
    const clock = new FakeClock()
    const config = { l2Url: redis.server.url, invalidation: 'none' } as const
    const writer = openService(config, { clock }).createCache({ l2KeyPrefix: 'ttl' })
    const reader = openService(config, { clock }).createCache({
      l2KeyPrefix: 'ttl',
      l1Enabled: true,
      l1Ttl: 60,
    })
    await writer.set('short', 'lives 10 s', { ttl: 10 })
    await writer.set('long', 'lives 1 h', { ttl: 3600 })
    clock.advance(2_000)
    await reader.get('short')
    await reader.get('long')
    clock.advance(7_900)
    await reader.get('short')
    expect(reader.getStats().l1.hits).toBe(1)
    clock.advance(200)
    // The short entry's L2 lifetime (by its header) is over: its L1 copy is gone and L2 counts a miss.
    expect(await reader.get('short')).toBeUndefined()
    // The long entry is still in L1 (l1Ttl 60 s not reached).
    expect(await reader.get('long')).toBe('lives 1 h')
    expect(reader.getStats().l1.hits).toBe(2)
  })

  it('applies a per-call ttl to L2', async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache({ l2KeyPrefix: 't', l2Ttl: 3600 })
    await cache.set('k', 1, { ttl: '90s' })
    const pttl = await rawClient.client.pttl('t::k')
    expect(pttl).toBeGreaterThan(85_000)
    expect(pttl).toBeLessThanOrEqual(90_000)
  })

  it('keeps L1 copies by reference unless l1Clone is set', async () => {
    const service = openService({ l2Url: redis.server.url })
    const shared = service.createCache<{ n: number }>({ l2KeyPrefix: 'ref', l1Enabled: true })
    const cloned = service.createCache<{ n: number }>({
      l2KeyPrefix: 'clone',
      l1Enabled: true,
      l1Clone: true,
    })
    const value = { n: 1 }
    await shared.set('k', value)
    await cloned.set('k', value)
    value.n = 2
    expect((await shared.get('k'))?.n).toBe(2)
    expect((await cloned.get('k'))?.n).toBe(1)
    const copy = await cloned.get('k')
    if (copy) copy.n = 3
    expect((await cloned.get('k'))?.n).toBe(1)
  })

  it('round-trips Date, Map, Set and BigInt with the default v8 serializer', async () => {
    const a = openService({ l2Url: redis.server.url }).createCache({ l2KeyPrefix: 'v8' })
    const b = openService({ l2Url: redis.server.url }).createCache({ l2KeyPrefix: 'v8' })
    const value = { at: new Date(0), tags: new Set(['x']), index: new Map([['a', 1]]), big: 2n ** 70n }
    await a.set('k', value)
    expect(await b.get('k')).toEqual(value)
  })
})

describe('bad input', () => {
  it('rejects undefined before anything is written', async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache({
      l2KeyPrefix: 'bad',
      l1Enabled: true,
    })
    const error = await cache.set('k', undefined).catch((e: unknown) => e)
    expect(isCacheSerializationError(error)).toBe(true)
    expect(await rawClient.client.exists('bad::k')).toBe(0)
    expect(cache.getStats().l1.size).toBe(0)
  })

  it('rejects a value the serializer cannot encode, writes nothing and does not trip the breaker', async () => {
    const cache = openService({ l2Url: redis.server.url, circuitBreakerThreshold: 1 }).createCache({
      l2KeyPrefix: 'bad',
      l1Enabled: true,
    })
    for (let i = 0; i < 3; i++) {
      const error = await cache.set('fn', { run: () => 1 }).catch((e: unknown) => e)
      expect(isCacheSerializationError(error)).toBe(true)
    }
    expect(await rawClient.client.exists('bad::fn')).toBe(0)
    expect(cache.getStats().l1.size).toBe(0)
    const stats = cache.getStats().l2
    expect(stats.circuitBreaker.state).toBe('closed')
    expect(stats.errors).toBe(0)
  })

  it('rejects a value over maxValueBytes with a message naming the option, without tripping the breaker', async () => {
    const cache = openService({
      l2Url: redis.server.url,
      maxValueBytes: 1024,
      circuitBreakerThreshold: 1,
    }).createCache({ l2KeyPrefix: 'big' })
    const rejection = cache.set('k', 'x'.repeat(2000))
    await expect(rejection).rejects.toThrow(CacheSerializationError)
    await expect(rejection).rejects.toThrow(/maxValueBytes/)
    expect(await rawClient.client.exists('big::k')).toBe(0)
    expect(cache.getStats().l2.circuitBreaker.state).toBe('closed')
    await cache.set('small', 'x')
    expect(await rawClient.client.exists('big::small')).toBe(1)
  })

  it.each([[''], [undefined], [42], [null]])('rejects key %j with a TypeError', async (key) => {
    const cache = openService({ l2Url: redis.server.url }).createCache({ l2KeyPrefix: 'keys' })
    await expect(cache.get(key as string)).rejects.toThrow(TypeError)
    await expect(cache.set(key as string, 1)).rejects.toThrow(TypeError)
    await expect(cache.delete(key as string)).rejects.toThrow(TypeError)
  })

  it('rejects a key longer than 1 KiB with its prefix, without tripping the breaker', async () => {
    const cache = openService({ l2Url: redis.server.url, circuitBreakerThreshold: 1 }).createCache({
      l2KeyPrefix: 'keys',
    })
    await expect(cache.set('k'.repeat(1020), 1)).rejects.toThrow(TypeError)
    await expect(cache.get('k'.repeat(1020))).rejects.toThrow(/1024 bytes/)
    expect(cache.getStats().l2.circuitBreaker.state).toBe('closed')
    expect(cache.getStats().l2.errors).toBe(0)
  })
})

describe('undecodable L2 entries', () => {
  it.each([
    ['plain text written by another program', Buffer.from('hello')],
    ['JSON written by another program', Buffer.from('{"name":"x"}')],
    ['an empty value', Buffer.alloc(0)],
    ['a truncated header', Buffer.from([0xc1, 0x52, 1])],
    ['a valid header over a corrupt payload', corruptPayload()],
  ])('treats %s as a counted miss, deletes it, and keeps the breaker closed', async (_label, bytes) => {
    const cache = openService({ l2Url: redis.server.url, circuitBreakerThreshold: 1 }).createCache({
      l2KeyPrefix: 'corrupt',
      l1Enabled: true,
    })
    await rawClient.client.set('corrupt::k', bytes)
    expect(await cache.get('k')).toBeUndefined()
    const stats = cache.getStats().l2
    expect(stats.corruptEntries).toBe(1)
    expect(stats.misses).toBe(1)
    expect(stats.errors).toBe(0)
    expect(stats.circuitBreaker.state).toBe('closed')
    expect(cache.getStats().l1.size).toBe(0)
    await expect.poll(() => rawClient.client.exists('corrupt::k')).toBe(0)
  })

  it('treats an entry written with another serializer as a miss and leaves it in place', async () => {
    const jsonCache = openService({ l2Url: redis.server.url }).createCache({
      l2KeyPrefix: 's',
      serializer: 'json',
    })
    const v8Cache = openService({ l2Url: redis.server.url }).createCache({
      l2KeyPrefix: 's',
      serializer: 'v8',
    })
    await jsonCache.set('k', { a: 1 })
    expect(await v8Cache.get('k')).toBeUndefined()
    const stats = v8Cache.getStats().l2
    expect(stats).toMatchObject({ unsupportedEntries: 1, corruptEntries: 0, misses: 1, errors: 0 })
    // Sent on the reader's connection after its read, so after any delete that read would have sent.
    expect(await v8Cache.isOnCache('k')).toBe(true)
    expect(await jsonCache.get('k')).toEqual({ a: 1 })
  })

  it('leaves an entry of a newer format version in place, as a counted miss', async () => {
    const writer = createEntryCodec(getSerializer('v8'), { maxValueBytes: 1024 })
    const newer = Buffer.from(writer.encode({ a: 1 }, Date.now() + 60_000))
    newer[2] = 2
    await rawClient.client.set('newer::k', newer)
    const cache = openService({ l2Url: redis.server.url, circuitBreakerThreshold: 1 }).createCache({
      l2KeyPrefix: 'newer',
    })
    expect(await cache.get('k')).toBeUndefined()
    expect(await cache.get('k')).toBeUndefined()
    const stats = cache.getStats().l2
    expect(stats).toMatchObject({ unsupportedEntries: 2, corruptEntries: 0, misses: 2, errors: 0 })
    expect(stats.circuitBreaker.state).toBe('closed')
    // The second read found the entry the first left; this one is sent after the second read's.
    expect(await cache.isOnCache('k')).toBe(true)
    expect(await rawClient.client.getBuffer('newer::k')).toEqual(newer)
  })

  it('leaves entries alone when their serializer cannot decode in this process (v8 on Bun)', async () => {
    const v8 = getSerializer('v8')
    // The same serializer in two processes: one that decodes, one without a deserializer (as Bun's v8).
    const decoding = { name: 'structured', encode: v8.encode, decode: v8.decode }
    const notDecoding = {
      name: 'structured',
      encode: v8.encode,
      decode: (): unknown => {
        throw new Error('node:v8 Deserializer is not yet implemented')
      },
    }
    const writer = openService({ l2Url: redis.server.url, serializer: decoding }).createCache({
      l2KeyPrefix: 'nov8',
    })
    const reader = openService({ l2Url: redis.server.url, serializer: notDecoding }).createCache({
      l2KeyPrefix: 'nov8',
    })
    await writer.set('k', { written: 'by node' })
    expect(await reader.get('k')).toBeUndefined()
    expect(reader.getStats().l2).toMatchObject({ unsupportedEntries: 1, corruptEntries: 0, misses: 1 })
    expect(await reader.isOnCache('k')).toBe(true)
    expect(await writer.get('k')).toEqual({ written: 'by node' })
  })

  it('reads entries written by the json and msgpack serializers', async () => {
    for (const serializer of ['json', 'msgpack']) {
      const a = openService({ l2Url: redis.server.url }).createCache({ l2KeyPrefix: serializer, serializer })
      const b = openService({ l2Url: redis.server.url }).createCache({ l2KeyPrefix: serializer, serializer })
      await a.set('k', { list: [1, 'two', null], nested: { ok: true } })
      expect(await b.get('k')).toEqual({ list: [1, 'two', null], nested: { ok: true } })
    }
  })
})

describe('setIfNotExist', () => {
  it('writes only when the key is missing and says whether it wrote', async () => {
    const a = openService({ l2Url: redis.server.url }).createCache({ l2KeyPrefix: 'nx', l1Enabled: true })
    const b = openService({ l2Url: redis.server.url }).createCache({ l2KeyPrefix: 'nx', l1Enabled: true })
    expect(await a.setIfNotExist('lock', 'a')).toBe(true)
    expect(await b.setIfNotExist('lock', 'b')).toBe(false)
    expect(await b.get('lock')).toBe('a')
  })

  it('applies the per-call ttl', async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache({ l2KeyPrefix: 'nx' })
    await cache.setIfNotExist('k', 1, { ttl: '30s' })
    expect(await rawClient.client.pttl('nx::k')).toBeLessThanOrEqual(30_000)
  })
})

describe('delete', () => {
  it('removes from L2 and L1 and says whether something was removed', async () => {
    const a = openService({ l2Url: redis.server.url }).createCache({ l2KeyPrefix: 'd', l1Enabled: true })
    await a.set('k', 1)
    expect(await a.delete('k')).toBe(true)
    expect(await a.get('k')).toBeUndefined()
    expect(await rawClient.client.exists('d::k')).toBe(0)
    expect(await a.delete('k')).toBe(false)
  })
})

describe('isOnCache and getTtl', () => {
  it('sees a key in L2 without promoting it', async () => {
    const writer = openService({ l2Url: redis.server.url }).createCache({ l2KeyPrefix: 'i' })
    const reader = openService({ l2Url: redis.server.url }).createCache({ l2KeyPrefix: 'i', l1Enabled: true })
    await writer.set('k', 1)
    expect(await reader.isOnCache('k')).toBe(true)
    expect(await reader.isOnCache('other')).toBe(false)
    expect(reader.getStats().l1.size).toBe(0)
  })

  it('returns the remaining lifetime in seconds, or undefined for a missing key', async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache({ l2KeyPrefix: 'ttl2' })
    await cache.set('k', 1, { ttl: 120 })
    const ttl = await cache.getTtl('k')
    expect(ttl).toBeGreaterThan(115)
    expect(ttl).toBeLessThanOrEqual(120)
    expect(await cache.getTtl('missing')).toBeUndefined()
  })

  it("falls back to L1's remaining lifetime for an L1-only cache", async () => {
    const clock = new FakeClock()
    const cache = openService({}, { clock }).createCache({ l2Enabled: false, l1Enabled: true, l1Ttl: 60 })
    await cache.set('k', 1)
    clock.advance(15_000)
    expect(await cache.getTtl('k')).toBe(45)
  })
})

describe('keys with lone surrogates', () => {
  it('are rejected by every call before L2 sees them, so L1 and L2 never disagree on a key', async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache<number>({
      l2KeyPrefix: 'surrogate',
      l1Enabled: true,
    })
    const lone = 'k\uD800'
    await expect(cache.set(lone, 1)).rejects.toThrow(TypeError)
    await expect(cache.get(lone)).rejects.toThrow(TypeError)
    await expect(cache.getOrSet(lone, () => 1)).rejects.toThrow(TypeError)
    await expect(cache.delete(lone)).rejects.toThrow(TypeError)
    expect(await rawClient.client.keys('surrogate::*')).toEqual([])
  })
})
