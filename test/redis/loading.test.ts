import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { describe, expect, it } from 'vitest'
import { FakeClock } from '../helpers/fake-clock.js'
import { getFreePort } from '../helpers/free-port.js'
import { spawnTsScript } from '../helpers/run-script.js'
import { useRawClient, useRedisServer, useServices, waitFor } from '../helpers/services.js'

const redis = useRedisServer()
const openService = useServices()
const rawClient = useRawClient(redis)

describe('getOrSet', () => {
  it('runs the loader once for 1,000 concurrent callers of one missing key, and stores its value', async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache<string>({
      l2KeyPrefix: 'gos',
      l1Enabled: true,
    })
    let calls = 0
    const loader = async () => {
      calls++
      await new Promise((resolve) => setTimeout(resolve, 20))
      return 'loaded'
    }
    const values = await Promise.all(Array.from({ length: 1000 }, () => cache.getOrSet('k', loader)))
    expect(new Set(values)).toEqual(new Set(['loaded']))
    expect(calls).toBe(1)
    expect(await rawClient.client.exists('gos::k')).toBe(1)
    // Now a hit: no further loader call.
    expect(await cache.getOrSet('k', loader)).toBe('loaded')
    expect(calls).toBe(1)
    expect(cache.getStats().loading.loads).toBe(1)
  })

  it('finds a value another instance stored in L2 without calling the loader', async () => {
    const config = { l2Url: redis.server.url, invalidation: 'none' } as const
    await openService(config).createCache<number>({ l2KeyPrefix: 'gos-l2' }).set('k', 42)
    const reader = openService(config).createCache<number>({ l2KeyPrefix: 'gos-l2', l1Enabled: true })
    let calls = 0
    expect(await reader.getOrSet('k', () => ++calls)).toBe(42)
    expect(calls).toBe(0)
  })

  it('gives a loader error to every waiter of the flight and caches nothing', async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache<string>({
      l2KeyPrefix: 'gos-err',
      l1Enabled: true,
    })
    let calls = 0
    const failing = async () => {
      calls++
      await new Promise((resolve) => setTimeout(resolve, 10))
      throw new Error('source of truth down')
    }
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => cache.getOrSet('k', failing)))
    expect(results.every((result) => result.status === 'rejected')).toBe(true)
    expect(calls).toBe(1)
    expect(await cache.get('k')).toBeUndefined()
    expect(await rawClient.client.exists('gos-err::k')).toBe(0)
    // The error is not remembered: the next call loads again.
    expect(await cache.getOrSet('k', async () => 'recovered')).toBe('recovered')
    expect(cache.getStats().loading).toMatchObject({ loads: 2, loadErrors: 1 })
  })

  it('caches null from a loader (to remember that something does not exist)', async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache<string | null>({
      l2KeyPrefix: 'gos-null',
    })
    let calls = 0
    const lookUp = () => {
      calls++
      return null
    }
    expect(await cache.getOrSet('missing-user', lookUp)).toBeNull()
    expect(await cache.getOrSet('missing-user', lookUp)).toBeNull()
    expect(calls).toBe(1)
  })

  it('rejects bad arguments with a TypeError naming them', async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache<string>({ l2KeyPrefix: 'gos-bad' })
    await expect(cache.getOrSet('k', 'not a function' as never)).rejects.toThrow(/loader must be a function/)
    await expect(cache.getOrSet('k', () => 'v', { lock: 'global' as never })).rejects.toThrow(/lock must be/)
    await expect(cache.getOrSet('k', () => 'v', { staleIfError: -1 })).rejects.toThrow(/staleIfError/)
    await expect(cache.getOrSet('', () => 'v')).rejects.toThrow(TypeError)
    await expect(cache.getOrSet('k', () => undefined as never)).rejects.toThrow(/undefined/)
  })
})

describe('getOrSet with staleIfError', () => {
  it('serves the expired copy within the grace period when the loader throws, and not after it', async () => {
    const clock = new FakeClock()
    const cache = openService({ l2Url: redis.server.url }, { clock }).createCache<string>({
      l2KeyPrefix: 'stale',
    })
    const options = { ttl: 10, staleIfError: 60 }
    expect(await cache.getOrSet('k', () => 'v1', options)).toBe('v1')
    // L2 keeps the entry for ttl + grace, so the expired copy is still there to serve.
    expect(await rawClient.client.pttl('stale::k')).toBeGreaterThan(65_000)
    const failing = () => {
      throw new Error('source of truth down')
    }

    clock.advance(15_000) // expired 5 s ago: within the 60 s grace
    expect(await cache.get('k')).toBeUndefined()
    expect(await cache.getOrSet('k', failing, options)).toBe('v1')
    expect(cache.getStats().loading.staleServed).toBe(1)

    clock.advance(60_000) // expired 65 s ago: past the grace
    await expect(cache.getOrSet('k', failing, options)).rejects.toThrow('source of truth down')
    // Without staleIfError the expired copy is never served.
    clock.advance(-60_000)
    await expect(cache.getOrSet('k', failing, { ttl: 10 })).rejects.toThrow('source of truth down')
    expect(cache.getStats().loading.staleServed).toBe(1)
  })
})

describe("getOrSet with lock: 'distributed'", () => {
  it('has exactly one of three processes load a missing key, the others use its value', async () => {
    const workers = [1, 2, 3].map(() => {
      const child = spawnTsScript('test/fixtures/distributed-load-worker.ts', { REDIS_URL: redis.server.url })
      const output: string[] = []
      let errors = ''
      createInterface({ input: child.stdout }).on('line', (line) => output.push(line))
      child.stderr.on('data', (chunk) => {
        errors += chunk
      })
      return { child, output, errors: () => errors }
    })
    try {
      await waitFor(() => workers.every((worker) => worker.output.includes('ready')), 20_000, 'the workers')
      for (const worker of workers) worker.child.stdin.write('start\n')
      await Promise.all(workers.map((worker) => once(worker.child, 'exit')))
      const reports = workers.map((worker) => {
        const line = worker.output.find((candidate) => candidate.startsWith('{'))
        if (line === undefined) throw new Error(`a worker printed no report: ${worker.errors()}`)
        return JSON.parse(line) as { distinct: string[]; localLoads: number; stats: { lockWaits: number } }
      })
      expect(await rawClient.client.get('dist-loader-calls')).toBe('1')
      expect(reports.map((report) => report.localLoads).sort()).toEqual([0, 0, 1])
      expect(new Set(reports.flatMap((report) => report.distinct))).toEqual(new Set(['computed by call 1']))
      expect(reports.filter((report) => report.stats.lockWaits === 1)).toHaveLength(2)
    } finally {
      for (const worker of workers) worker.child.kill('SIGKILL')
    }
  }, 60_000)

  it('loads itself when the lock holder does not deliver within lockTimeout', async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache<string>({ l2KeyPrefix: 'lock-wait' })
    // Another instance holds the lock and never stores a value (it crashed mid-load).
    await rawClient.client.set('::lock::lock-wait::k', 'someone else', 'PX', 60_000)
    const startedAt = performance.now()
    expect(await cache.getOrSet('k', () => 'mine', { lock: 'distributed', lockTimeout: '200ms' })).toBe(
      'mine',
    )
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(190)
    expect(cache.getStats().loading).toMatchObject({ lockWaits: 1, lockWaitsTimedOut: 1, loads: 1 })
    // The foreign lock was not released by us: only its holder's token can.
    expect(await rawClient.client.get('::lock::lock-wait::k')).toBe('someone else')
  })

  it('releases its lock after loading, so that the key is free for the next load', async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache<string>({ l2KeyPrefix: 'lock-free' })
    await cache.getOrSet('k', () => 'v', { lock: 'distributed' })
    await waitFor(
      async () => (await rawClient.client.exists('::lock::lock-free::k')) === 0,
      2000,
      'the release',
    )
    expect(cache.getStats().loading.locksAcquired).toBe(1)
  })

  it('loads without a lock when L2 is unreachable', async () => {
    const port = await getFreePort()
    const cache = openService({
      l2Url: `redis://127.0.0.1:${port}`,
      l2CommandTimeout: '100ms',
    }).createCache<string>({ l2KeyPrefix: 'lock-down', l1Enabled: true })
    expect(await cache.getOrSet('k', () => 'loaded here', { lock: 'distributed' })).toBe('loaded here')
    expect(await cache.get('k')).toBe('loaded here')
  })
})

describe('wrap', () => {
  it('memoises an async function per key derived from its arguments', async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache<{ id: number; calls: number }>({
      l2KeyPrefix: 'wrap',
      l1Enabled: true,
    })
    let calls = 0
    const findUser = cache.wrap(async (id: number) => ({ id, calls: ++calls }), {
      key: (id) => `user:${id}`,
      ttl: '5m',
    })
    expect(await findUser(1)).toEqual({ id: 1, calls: 1 })
    expect(await findUser(1)).toEqual({ id: 1, calls: 1 })
    expect(await findUser(2)).toEqual({ id: 2, calls: 2 })
    expect(await rawClient.client.pttl('wrap::user:1')).toBeLessThanOrEqual(300_000)
    expect(() => cache.wrap(async () => ({ id: 0, calls: 0 }), {} as never)).toThrow(/options.key/)
  })
})

describe('ttlJitter', () => {
  it('spreads the lifetimes of entries written together over [ttl x (1 - jitter), ttl]', async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache<number>({
      l2KeyPrefix: 'jitter',
      ttlJitter: 0.5,
    })
    await Promise.all(Array.from({ length: 200 }, (_, i) => cache.set(`k${i}`, i, { ttl: 100 })))
    const ttls = await Promise.all(
      Array.from({ length: 200 }, (_, i) => rawClient.client.pttl(`jitter::k${i}`)),
    )
    expect(Math.min(...ttls)).toBeGreaterThanOrEqual(49_000)
    expect(Math.max(...ttls)).toBeLessThanOrEqual(100_000)
    // Uniform over 50 s: 200 entries cover most of it.
    expect(Math.max(...ttls) - Math.min(...ttls)).toBeGreaterThan(30_000)
  })

  it('rejects a jitter outside [0, 1) naming the option', () => {
    const service = openService({ l2Url: redis.server.url })
    expect(() => service.createCache({ l2KeyPrefix: 'j', ttlJitter: 1 })).toThrow(/ttlJitter/)
    expect(() => service.createCache({ l2KeyPrefix: 'j', ttlJitter: -0.1 })).toThrow(/ttlJitter/)
  })
})
