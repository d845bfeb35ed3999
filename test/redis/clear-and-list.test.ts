import { describe, expect, it } from 'vitest'
import { useRawClient, useRedisServer, useServices } from '../helpers/services.js'

const redis = useRedisServer()
const openService = useServices()
const rawClient = useRawClient(redis)

describe('prefix isolation', () => {
  it("keeps key 'b::x' of cache 'a' apart from key 'x' of cache 'a:b'", async () => {
    const service = openService({ l2Url: redis.server.url })
    const a = service.createCache({ l2KeyPrefix: 'a' })
    const ab = service.createCache({ l2KeyPrefix: 'a:b' })
    await a.set('b::x', 'from a')
    await ab.set('x', 'from a:b')
    expect(await a.get('b::x')).toBe('from a')
    expect(await ab.get('x')).toBe('from a:b')
    expect((await rawClient.client.keys('*')).sort()).toEqual(['a::b::x', 'a:b::x'])
  })

  it("clears cache 'a' without touching cache 'a:b' or 'ab'", async () => {
    const service = openService({ l2Url: redis.server.url })
    const a = service.createCache({ l2KeyPrefix: 'a' })
    const ab = service.createCache({ l2KeyPrefix: 'a:b' })
    const aPlain = service.createCache({ l2KeyPrefix: 'ab' })
    await a.set('1', 1)
    await a.set('b::x', 1)
    await ab.set('x', 2)
    await aPlain.set('y', 3)
    const result = await a.clear()
    expect(result.l2ItemsRemoved).toBe(2)
    expect(await ab.get('x')).toBe(2)
    expect(await aPlain.get('y')).toBe(3)
  })

  it('treats glob characters in a prefix literally when clearing', async () => {
    const service = openService({ l2Url: redis.server.url })
    const star = service.createCache({ l2KeyPrefix: 'c*' })
    const other = service.createCache({ l2KeyPrefix: 'cat' })
    const bracket = service.createCache({ l2KeyPrefix: 'r[ab]' })
    const ra = service.createCache({ l2KeyPrefix: 'ra' })
    await star.set('k', 1)
    await other.set('k', 2)
    await bracket.set('k', 3)
    await ra.set('k', 4)
    expect((await star.clear()).l2ItemsRemoved).toBe(1)
    expect((await bracket.clear()).l2ItemsRemoved).toBe(1)
    expect(await other.get('k')).toBe(2)
    expect(await ra.get('k')).toBe(4)
  })

  it('refuses two caches with the same prefix in one service', () => {
    const service = openService({ l2Url: redis.server.url })
    service.createCache({ l2KeyPrefix: 'dup' })
    expect(() => service.createCache({ l2KeyPrefix: 'dup' })).toThrow(/already used/)
  })
})

describe('clear', () => {
  it('reports what it removed from each level', async () => {
    const service = openService({ l2Url: redis.server.url })
    const cache = service.createCache({ l2KeyPrefix: 'cl', l1Enabled: true })
    const other = openService({ l2Url: redis.server.url }).createCache({ l2KeyPrefix: 'cl' })
    await cache.set('a', 1)
    await cache.set('b', 2)
    await other.set('c', 3)
    const result = await cache.clear()
    expect(result).toMatchObject({ l1ItemsRemoved: 2, l2ItemsRemoved: 3, l2Cleared: true })
    expect(typeof result.timestamp).toBe('number')
    expect(await rawClient.client.dbsize()).toBe(0)
  })

  it('clears more keys than one SCAN page holds', async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache({ l2KeyPrefix: 'many' })
    const pipeline = rawClient.client.pipeline()
    for (let i = 0; i < 3500; i++) pipeline.set(`many::${i}`, 'x')
    await pipeline.exec()
    expect((await cache.clear()).l2ItemsRemoved).toBe(3500)
    expect(await rawClient.client.dbsize()).toBe(0)
  })
})

describe('listKeys', () => {
  it('lists L1 and L2 keys without the prefix, each once', async () => {
    const a = openService({ l2Url: redis.server.url }).createCache({ l2KeyPrefix: 'lk', l1Enabled: true })
    const b = openService({ l2Url: redis.server.url }).createCache({ l2KeyPrefix: 'lk' })
    await a.set('user_1', 1)
    await b.set('user_2', 2)
    await b.set('order_1', 3)
    expect((await a.listKeys()).sort()).toEqual(['order_1', 'user_1', 'user_2'])
    expect((await a.listKeys('user_')).sort()).toEqual(['user_1', 'user_2'])
  })

  it('treats glob characters in the caller prefix literally', async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache({ l2KeyPrefix: 'g' })
    await cache.set('a*1', 1)
    await cache.set('ab', 2)
    await cache.set('a?', 3)
    expect(await cache.listKeys('a*')).toEqual(['a*1'])
    expect(await cache.listKeys('a?')).toEqual(['a?'])
  })

  it('stops at the limit', async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache({ l2KeyPrefix: 'lim' })
    for (let i = 0; i < 20; i++) await cache.set(`k${i}`, i)
    expect(await cache.listKeys('', { limit: 5 })).toHaveLength(5)
  })

  it('rejects a bad limit with a TypeError', async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache({ l2KeyPrefix: 'lim' })
    await expect(cache.listKeys('', { limit: 0 })).rejects.toThrow(TypeError)
  })
})
