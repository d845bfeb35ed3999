import { describe, expect, it } from 'vitest'
import { useRedisServer, useServices } from '../helpers/services.js'

const redis = useRedisServer()
const openService = useServices()

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const failing = (): string => {
  throw new Error('source down')
}

describe('loader ctx.setTags', () => {
  it("a loader's setTags makes deleteByTag drop the entry, in L1 and L2", async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache({
      l2KeyPrefix: 'lt1',
      l1Enabled: true,
    })
    const value = await cache.getOrSet('user:1', (ctx) => {
      ctx.setTags(['team:7'])
      return 'Ada'
    })
    expect(value).toBe('Ada')
    await cache.set('user:2', 'Bob', { tags: ['team:8'] })
    const other = openService({ l2Url: redis.server.url }).createCache({ l2KeyPrefix: 'lt1' })
    expect(await other.get('user:1')).toBe('Ada')
    await cache.deleteByTag('team:7')
    expect(await cache.get('user:1')).toBeUndefined()
    expect(await cache.get('user:2')).toBe('Bob')
    // No instance serves it from L2 either.
    const fresh = openService({ l2Url: redis.server.url }).createCache({ l2KeyPrefix: 'lt1' })
    expect(await fresh.get('user:1')).toBeUndefined()
    expect(cache.getStats().tags).toMatchObject({ invalidations: 1, l1EntriesDropped: 1, l2Invalidations: 1 })
    // The next getOrSet loads again.
    let loads = 0
    expect(await cache.getOrSet('user:1', () => `Ada ${++loads}`)).toBe('Ada 1')
  })

  it('replaces the tags option; an empty list leaves the entry untagged', async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache({
      l2KeyPrefix: 'lt2',
      l1Enabled: true,
    })
    await cache.getOrSet(
      'a',
      (ctx) => {
        ctx.setTags(['chosen'])
        return 1
      },
      { tags: ['given'] },
    )
    await cache.getOrSet(
      'b',
      (ctx) => {
        ctx.setTags([])
        return 2
      },
      { tags: ['given'] },
    )
    await cache.deleteByTag('given')
    expect(await cache.getMany(['a', 'b'])).toEqual([1, 2])
    await cache.deleteByTag('chosen')
    expect(await cache.getMany(['a', 'b'])).toEqual([undefined, 2])
  })

  it('drops the fail-safe copy kept by grace too, in L1 and L2 (it is never served after deleteByTag)', async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache({
      l2KeyPrefix: 'lt3',
      l1Enabled: true,
    })
    const options = { ttl: '50ms', grace: '1h' } as const
    const loaded = await cache.getOrSet(
      'k',
      (ctx) => {
        ctx.setTags(['x'])
        return 'v1'
      },
      options,
    )
    expect(loaded).toBe('v1')
    await sleep(80)
    // Expired: the copy kept by grace is served when the loader fails.
    expect(await cache.getOrSet('k', failing, options)).toBe('v1')
    await cache.deleteByTag('x')
    await expect(cache.getOrSet('k', failing, options)).rejects.toThrow('source down')
    const fresh = openService({ l2Url: redis.server.url }).createCache({
      l2KeyPrefix: 'lt3',
      l1Enabled: true,
    })
    await expect(fresh.getOrSet('k', failing, options)).rejects.toThrow('source down')
  })

  it('an entry kept with its expiry for eagerRefresh carries the tags too', async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache({
      l2KeyPrefix: 'lt4',
      l1Enabled: true,
    })
    const options = { ttl: '10s', eagerRefresh: 0.9 } as const
    await cache.getOrSet(
      'k',
      (ctx) => {
        ctx.setTags(['y'])
        return 'v1'
      },
      options,
    )
    expect(await cache.getOrSet('k', failing, options)).toBe('v1')
    await cache.deleteByTag('y')
    expect(await cache.getOrSet('k', () => 'v2', options)).toBe('v2')
  })

  it('rejects bad tags, naming ctx.setTags', async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache({ l2KeyPrefix: 'lt5' })
    await expect(
      cache.getOrSet('k', (ctx) => {
        ctx.setTags([''])
        return 1
      }),
    ).rejects.toThrow(/ctx\.setTags: tags\[0\]/)
    await expect(
      cache.getOrSet('k', (ctx) => {
        ctx.setTags('one' as unknown as string[])
        return 1
      }),
    ).rejects.toThrow(TypeError)
    expect(await cache.get('k')).toBeUndefined()
  })
})
