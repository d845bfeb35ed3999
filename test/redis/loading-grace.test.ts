import { once } from 'node:events'
import { describe, expect, it } from 'vitest'
import type { StaleEvent } from '../../src/index.js'
import { FakeClock } from '../helpers/fake-clock.js'
import { RedisServer } from '../helpers/redis-server.js'
import { useRawClient, useRedisServer, useServices } from '../helpers/services.js'

const redis = useRedisServer()
const openService = useServices()
const rawClient = useRawClient(redis)

const failing = (): string => {
  throw new Error('source of truth down')
}

describe('grace: the expired copy is never a live value', () => {
  // The state the issue measured: an entry written with a 1 s ttl and 1 h of grace, 1.2 s later.
  async function expiredWithGrace(l1Enabled: boolean, l2Enabled = true) {
    const clock = new FakeClock()
    const cache = openService({ l2Url: redis.server.url }, { clock }).createCache<string>({
      l2KeyPrefix: l2Enabled ? `expired-${l1Enabled}` : undefined,
      l1Enabled,
      l2Enabled,
    })
    expect(await cache.getOrSet('k', () => 'v1', { ttl: 1, staleIfError: '1h' })).toBe('v1')
    clock.advance(1200)
    return cache
  }

  it.each([
    ['L1 and L2', true, true],
    ['L2 only', false, true],
    ['L1 only', true, false],
  ])('%s: get, isOnCache, getTtl and listKeys report it missing, setIfNotExist writes', async (_, l1, l2) => {
    const cache = await expiredWithGrace(l1, l2)
    expect(await cache.get('k')).toBeUndefined()
    expect(await cache.isOnCache('k')).toBe(false)
    expect(await cache.getTtl('k')).toBeUndefined()
    expect(await cache.listKeys()).toEqual([])
    expect(await cache.setIfNotExist('k', 'v2', { ttl: 60 })).toBe(true)
    expect(await cache.get('k')).toBe('v2')
    expect(await cache.isOnCache('k')).toBe(true)
    expect(await cache.getTtl('k')).toBe(60)
    expect(await cache.listKeys()).toEqual(['k'])
  })

  it('keeps the copy in L2 for ttl + grace, and getTtl reports the logical lifetime, not the PTTL', async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache<string>({ l2KeyPrefix: 'pttl' })
    await cache.getOrSet('k', () => 'v', { ttl: 10, grace: '1h' })
    expect(await rawClient.client.pttl('pttl::k')).toBeGreaterThan(3_600_000)
    const ttl = await cache.getTtl('k')
    expect(ttl).toBeGreaterThan(9)
    expect(ttl).toBeLessThanOrEqual(10)
  })

  it('setIfNotExist does not replace a live value, nor an expired copy that another write replaced meanwhile', async () => {
    const clock = new FakeClock()
    const cache = openService({ l2Url: redis.server.url }, { clock }).createCache<string>({
      l2KeyPrefix: 'snx',
    })
    await cache.getOrSet('k', () => 'v1', { ttl: 10, grace: '1h' })
    expect(await cache.setIfNotExist('k', 'v2')).toBe(false)
    clock.advance(11_000)
    expect(await cache.setIfNotExist('k', 'v2')).toBe(true)
    expect(await cache.setIfNotExist('k', 'v3')).toBe(false)
    expect(await cache.get('k')).toBe('v2')
  })
})

describe('grace: the fail-safe copy', () => {
  it('is served from L2 when the loader throws, within grace only, with a stale event', async () => {
    const clock = new FakeClock()
    const cache = openService({ l2Url: redis.server.url }, { clock }).createCache<string>({
      l2KeyPrefix: 'fail-safe',
    })
    const options = { ttl: 10, grace: 60, graceBackoff: 0 }
    await cache.getOrSet('k', () => 'v1', options)
    const events: StaleEvent[] = []
    cache.on('stale', (event) => events.push(event))
    clock.advance(15_000)
    expect(await cache.getOrSet('k', failing, options)).toBe('v1')
    expect(events).toEqual([{ cache: 'fail-safe', key: 'k', reason: 'error', expiredForMs: 5000 }])
    clock.advance(60_000)
    await expect(cache.getOrSet('k', failing, options)).rejects.toThrow('source of truth down')
    expect(cache.getStats().loading).toMatchObject({ staleServed: 1, loadErrors: 2 })
  })

  it('is served from L1 while Redis is SIGSTOPped and the loader throws', async () => {
    const server = new RedisServer()
    await server.start()
    try {
      const clock = new FakeClock()
      const cache = openService(
        { l2Url: server.url, l2CommandTimeout: '200ms' },
        { clock },
      ).createCache<string>({ l2KeyPrefix: 'l1-grace', l1Enabled: true })
      const options = { ttl: 10, grace: '1h' }
      await cache.getOrSet('k', () => 'v1', options)
      clock.advance(15_000)
      await server.pause()
      const stale = once(cache, 'stale') as Promise<[StaleEvent]>
      expect(await cache.getOrSet('k', failing, options)).toBe('v1')
      expect((await stale)[0]).toMatchObject({ key: 'k', reason: 'error', expiredForMs: 5000 })
      // get() still never returns it.
      expect(await cache.get('k')).toBeUndefined()
    } finally {
      await server.stop()
    }
  })

  it('is kept in L1 when get() promotes the entry again after l1Ttl', async () => {
    const server = new RedisServer()
    await server.start()
    try {
      const clock = new FakeClock()
      const cache = openService(
        { l2Url: server.url, l2CommandTimeout: '200ms' },
        { clock },
      ).createCache<string>({ l2KeyPrefix: 'promoted-grace', l1Enabled: true, l1Ttl: 5 })
      const options = { ttl: 20, grace: '1h' }
      await cache.getOrSet('k', () => 'v1', options)
      clock.advance(6000) // past l1Ttl: the next get() reads L2 and promotes the entry again
      const l2Hits = cache.getStats().l2.hits
      expect(await cache.get('k')).toBe('v1')
      expect(cache.getStats().l2.hits).toBe(l2Hits + 1)
      clock.advance(20_000) // expired
      await server.pause()
      expect(await cache.getOrSet('k', failing, options)).toBe('v1')
    } finally {
      await server.stop()
    }
  })

  it('graceBackoff: after a failure the copy is served without calling the loader, then the loader is tried again', async () => {
    const clock = new FakeClock()
    const cache = openService({ l2Url: redis.server.url }, { clock }).createCache<string>({
      l2KeyPrefix: 'backoff',
      l1Enabled: true,
    })
    const options = { ttl: 10, grace: '1h', graceBackoff: 30 }
    await cache.getOrSet('k', () => 'v1', options)
    clock.advance(15_000)
    let calls = 0
    const countedFailing = () => {
      calls++
      return failing()
    }
    const reasons: string[] = []
    cache.on('stale', (event) => reasons.push(event.reason))
    expect(await cache.getOrSet('k', countedFailing, options)).toBe('v1')
    clock.advance(10_000)
    expect(await cache.getOrSet('k', countedFailing, options)).toBe('v1')
    expect(await cache.getOrSet('k', countedFailing, options)).toBe('v1')
    expect(calls).toBe(1)
    clock.advance(21_000)
    expect(await cache.getOrSet('k', () => 'v2', options)).toBe('v2')
    expect(reasons).toEqual(['error', 'backoff', 'backoff'])
  })

  it('is kept by the cache-level grace for calls that give no options, and passed to the loader as ctx.staleValue', async () => {
    const clock = new FakeClock()
    const cache = openService({ l2Url: redis.server.url }, { clock }).createCache<{ etag: string }>({
      l2KeyPrefix: 'grace-default',
      grace: '1h',
    })
    await cache.getOrSet('k', () => ({ etag: 'a' }), { ttl: 10 })
    expect(await rawClient.client.pttl('grace-default::k')).toBeGreaterThan(3_600_000)
    clock.advance(11_000)
    let seen: unknown = 'not called'
    await cache.getOrSet('k', (ctx) => {
      seen = ctx.staleValue
      return { etag: 'b' }
    })
    expect(seen).toEqual({ etag: 'a' })
  })
})
