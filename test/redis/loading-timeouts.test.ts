import { once } from 'node:events'
import { describe, expect, it } from 'vitest'
import {
  CacheLoaderTimeoutError,
  isCacheError,
  isCacheLoaderTimeoutError,
  type LoadEvent,
  type LoaderContext,
  type StaleEvent,
} from '../../src/index.js'
import { FakeClock } from '../helpers/fake-clock.js'
import { useRawClient, useRedisServer, useServices } from '../helpers/services.js'

const redis = useRedisServer()
const openService = useServices()
const rawClient = useRawClient(redis)

/** A loader that settles only when the test says, and shows what it was called with. */
function controlledLoader<V>() {
  const calls: LoaderContext<V>[] = []
  let settle: { resolve(value: V): void; reject(error: unknown): void } | undefined
  let markCalled = () => {}
  const called = new Promise<void>((resolve) => {
    markCalled = resolve
  })
  const loader = (ctx: LoaderContext<V>) => {
    calls.push(ctx)
    markCalled()
    return new Promise<V>((resolve, reject) => {
      settle = { resolve, reject }
    })
  }
  return {
    loader,
    calls,
    /** Resolves once the loader has been called (after the flight's L2 lookup). */
    called,
    resolve: (value: V) => settle?.resolve(value),
  }
}

describe('hardTimeout', () => {
  it('releases every caller of a loader that never settles, aborts its signal, and the next call loads again', async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache<string>({
      l2KeyPrefix: 'hard',
      l1Enabled: true,
    })
    const never = controlledLoader<string>()
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => cache.getOrSet('k', never.loader, { hardTimeout: '100ms' })),
    )
    for (const result of results) {
      expect(result.status).toBe('rejected')
      const reason = (result as PromiseRejectedResult).reason
      expect(isCacheLoaderTimeoutError(reason)).toBe(true)
      expect(isCacheError(reason)).toBe(true)
      expect(reason).toMatchObject({ code: 'E_LOADER_TIMEOUT', key: 'k', timeoutMs: 100 })
    }
    expect(never.calls).toHaveLength(1)
    const signal = never.calls[0]?.signal
    expect(signal?.aborted).toBe(true)
    expect(signal?.reason).toBeInstanceOf(CacheLoaderTimeoutError)
    // The key is not pinned: the next call runs its loader.
    expect(await cache.getOrSet('k', () => 'loaded', { hardTimeout: '100ms' })).toBe('loaded')
    expect(cache.getStats().loading).toMatchObject({ loads: 2, hardTimeouts: 1, loadErrors: 1 })
  })

  it('also bounds the wait for a distributed lock another instance holds', async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache<string>({ l2KeyPrefix: 'hard-lock' })
    // Another instance holds the lock and is slow to deliver.
    await rawClient.client.set('::lock::hard-lock::k', 'someone else', 'PX', 60_000)
    let calls = 0
    const options = { lock: 'distributed', lockTimeout: 30, hardTimeout: '100ms' } as const
    const error = await cache.getOrSet('k', () => `mine ${++calls}`, options).catch((e: unknown) => e)
    expect(isCacheLoaderTimeoutError(error)).toBe(true)
    expect(calls).toBe(0)
    expect(cache.getStats().loading).toMatchObject({ lockWaits: 1, hardTimeouts: 1, loads: 0 })
  })

  it('drops the value of a loader that settles after the timeout', async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache<string>({ l2KeyPrefix: 'late' })
    const late = controlledLoader<string>()
    await expect(cache.getOrSet('k', late.loader, { hardTimeout: '50ms' })).rejects.toThrow(/hardTimeout/)
    const loaded = once(cache, 'load') as Promise<[LoadEvent]>
    late.resolve('too late')
    // Not stored: nobody waited for it any more, and a newer load may have run since.
    expect((await loaded)[0]).toMatchObject({ key: 'k', stored: false, trigger: 'miss' })
    expect(await rawClient.client.exists('late::k')).toBe(0)
  })

  it('serves the expired copy kept by grace instead of the error', async () => {
    const clock = new FakeClock()
    const cache = openService({ l2Url: redis.server.url }, { clock }).createCache<string>({
      l2KeyPrefix: 'hard-grace',
      l1Enabled: true,
    })
    const options = { ttl: 10, grace: '1h', hardTimeout: '50ms' }
    await cache.getOrSet('k', () => 'v1', options)
    clock.advance(12_000)
    const stale = once(cache, 'stale') as Promise<[StaleEvent]>
    expect(await cache.getOrSet('k', controlledLoader<string>().loader, options)).toBe('v1')
    expect((await stale)[0]).toMatchObject({ reason: 'hard-timeout', expiredForMs: 2000 })
  })
})

describe('softTimeout', () => {
  it('gives callers the expired copy when the loader is slow, and stores the loader value when it comes', async () => {
    const clock = new FakeClock()
    const config = { l2Url: redis.server.url, invalidation: 'none' } as const
    const cache = openService(config, { clock }).createCache<string>({ l2KeyPrefix: 'soft', l1Enabled: true })
    const options = { ttl: 10, grace: '1h', softTimeout: '50ms' }
    await cache.getOrSet('k', () => 'v1', options)
    clock.advance(12_000)
    const slow = controlledLoader<string>()
    expect(await cache.getOrSet('k', slow.loader, options)).toBe('v1')
    // A caller arriving while the load goes on gets the copy too, without a second loader call.
    expect(await cache.getOrSet('k', slow.loader, options)).toBe('v1')
    expect(slow.calls).toHaveLength(1)
    expect(slow.calls[0]?.signal.aborted).toBe(false)
    const loaded = once(cache, 'load') as Promise<[LoadEvent]>
    slow.resolve('v2')
    expect((await loaded)[0]).toMatchObject({ stored: true })
    expect(await cache.get('k')).toBe('v2')
    // And in L2, for the other instances.
    const other = openService(config, { clock }).createCache<string>({ l2KeyPrefix: 'soft' })
    expect(await other.get('k')).toBe('v2')
    expect(cache.getStats().loading).toMatchObject({ softTimeouts: 1, staleServed: 1, loads: 2 })
  })

  it('a load that goes on after softTimeout is aborted at hardTimeout, and the key loads again', async () => {
    const clock = new FakeClock()
    const cache = openService({ l2Url: redis.server.url }, { clock }).createCache<string>({
      l2KeyPrefix: 'soft-hard',
      l1Enabled: true,
    })
    const options = { ttl: 10, grace: '1h', softTimeout: '20ms', hardTimeout: '80ms' }
    await cache.getOrSet('k', () => 'v1', options)
    clock.advance(12_000)
    const never = controlledLoader<string>()
    expect(await cache.getOrSet('k', never.loader, options)).toBe('v1')
    const signal = never.calls[0]?.signal as AbortSignal
    await once(signal, 'abort')
    expect(isCacheLoaderTimeoutError(signal.reason)).toBe(true)
    expect(await cache.getOrSet('k', () => 'v2', options)).toBe('v2')
    expect(cache.getStats().loading).toMatchObject({ softTimeouts: 1, hardTimeouts: 1 })
  })

  it('without hardTimeout, a load that never settles serves the expired copy only until grace ends', async () => {
    const clock = new FakeClock()
    const cache = openService({ l2Url: redis.server.url }, { clock }).createCache<string>({
      l2KeyPrefix: 'soft-grace-end',
      l1Enabled: true,
    })
    const options = { ttl: 10, grace: 60, softTimeout: '20ms' }
    await cache.getOrSet('k', () => 'v1', options)
    clock.advance(12_000)
    const never = controlledLoader<string>()
    expect(await cache.getOrSet('k', never.loader, options)).toBe('v1')
    clock.advance(30_000) // still within grace: the copy, no second loader call
    expect(await cache.getOrSet('k', never.loader, options)).toBe('v1')
    expect(never.calls).toHaveLength(1)
    clock.advance(30_000) // grace is over: a new load
    expect(await cache.getOrSet('k', () => 'v2', options)).toBe('v2')
  })

  it('does not apply without an expired copy: callers wait for the loader', async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache<string>({ l2KeyPrefix: 'soft-none' })
    const slow = controlledLoader<string>()
    const pending = cache.getOrSet('k', slow.loader, { softTimeout: '20ms' })
    const loaded = once(cache, 'set')
    setTimeout(() => slow.resolve('v'), 60)
    expect(await pending).toBe('v')
    await loaded
    expect(cache.getStats().loading.softTimeouts).toBe(0)
  })
})

describe('signal', () => {
  it("rejects one caller with its signal's reason while the shared load goes on for the others", async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache<string>({ l2KeyPrefix: 'signal' })
    const slow = controlledLoader<string>()
    const controller = new AbortController()
    const leaving = cache.getOrSet('k', slow.loader, { signal: controller.signal })
    const staying = cache.getOrSet('k', slow.loader)
    await slow.called
    controller.abort(new Error('client went away'))
    await expect(leaving).rejects.toThrow('client went away')
    expect(slow.calls[0]?.signal.aborted).toBe(false)
    slow.resolve('v')
    expect(await staying).toBe('v')
    expect(slow.calls).toHaveLength(1)
  })

  it('aborts ctx.signal when every caller left, and the next call loads again', async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache<string>({ l2KeyPrefix: 'signal-all' })
    const slow = controlledLoader<string>()
    const controllers = [new AbortController(), new AbortController()]
    const calls = controllers.map((c) => cache.getOrSet('k', slow.loader, { signal: c.signal }))
    await slow.called
    for (const controller of controllers) controller.abort()
    for (const call of calls) await expect(call).rejects.toMatchObject({ name: 'AbortError' })
    expect(slow.calls[0]?.signal.aborted).toBe(true)
    expect(await cache.getOrSet('k', () => 'again')).toBe('again')
  })

  it('rejects at once for a signal that is already aborted', async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache<string>({ l2KeyPrefix: 'signal-pre' })
    await expect(
      cache.getOrSet('k', () => 'v', { signal: AbortSignal.abort(new Error('too late')) }),
    ).rejects.toThrow('too late')
  })
})

describe('loader context', () => {
  it('setTtl chooses the lifetime from what was loaded', async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache<string | null>({
      l2KeyPrefix: 'ctx-ttl',
    })
    await cache.getOrSet(
      'missing',
      (ctx) => {
        ctx.setTtl('30s')
        return null
      },
      { ttl: '1h' },
    )
    const pttl = await rawClient.client.pttl('ctx-ttl::missing')
    expect(pttl).toBeGreaterThan(25_000)
    expect(pttl).toBeLessThanOrEqual(30_000)
    await expect(
      cache.getOrSet('bad', (ctx) => {
        ctx.setTtl('soon')
        return 'v'
      }),
    ).rejects.toThrow(/ctx\.setTtl/)
  })

  it('skipCache returns the value to every caller without storing it', async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache<string>({
      l2KeyPrefix: 'ctx-skip',
      l1Enabled: true,
    })
    let calls = 0
    const partial = async (ctx: LoaderContext<string>) => {
      calls++
      ctx.skipCache()
      await new Promise((resolve) => setTimeout(resolve, 10))
      return 'partial'
    }
    const values = await Promise.all(Array.from({ length: 10 }, () => cache.getOrSet('k', partial)))
    expect(new Set(values)).toEqual(new Set(['partial']))
    expect(calls).toBe(1)
    expect(await cache.get('k')).toBeUndefined()
    expect(await rawClient.client.exists('ctx-skip::k')).toBe(0)
  })

  it('gives the key, and a loader that takes no argument keeps working', async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache<string>({ l2KeyPrefix: 'ctx-key' })
    expect(await cache.getOrSet('user:1', (ctx) => `loaded ${ctx.key}`)).toBe('loaded user:1')
    expect(await cache.getOrSet('user:2', () => 'no ctx')).toBe('no ctx')
  })
})

describe('a change of the key while it loads', () => {
  it('a delete during the load: callers get the value, it is not stored, the next call loads again', async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache<string>({
      l2KeyPrefix: 'load-delete',
      l1Enabled: true,
    })
    const slow = controlledLoader<string>()
    const pending = cache.getOrSet('k', slow.loader)
    await slow.called
    // The source of truth changed and the application deleted the key: the value being loaded may
    // be from before that change.
    await cache.delete('k')
    slow.resolve('read before the change')
    expect(await pending).toBe('read before the change')
    expect(await cache.get('k')).toBeUndefined()
    expect(await rawClient.client.exists('load-delete::k')).toBe(0)
    expect(await cache.getOrSet('k', () => 'after the change')).toBe('after the change')
  })

  it('a caller after a set does not join the load that started before it', async () => {
    const clock = new FakeClock()
    const cache = openService({ l2Url: redis.server.url }, { clock }).createCache<string>({
      l2KeyPrefix: 'load-set',
      l1Enabled: true,
    })
    const options = { ttl: 10, grace: '1h', softTimeout: '20ms' }
    await cache.getOrSet('k', () => 'v1', options)
    clock.advance(12_000)
    const slow = controlledLoader<string>()
    // The expired copy after the soft timeout; the load goes on.
    expect(await cache.getOrSet('k', slow.loader, options)).toBe('v1')
    await cache.set('k', 'v2', { ttl: 0.001 }) // written, and expired at once on the fake clock
    clock.advance(10)
    let calls = 0
    expect(await cache.getOrSet('k', () => `v3 (${++calls})`, options)).toBe('v3 (1)')
    slow.resolve('old')
    expect(await cache.getOrSet('k', () => 'v4', options)).toBe('v3 (1)')
  })
})
