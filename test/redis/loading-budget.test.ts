import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CacheConfigurationError } from '../../src/index.js'
import { RedisServer } from '../helpers/redis-server.js'
import { useServices } from '../helpers/services.js'

const openService = useServices()
const COMMAND_TIMEOUT_MS = 200
/** Scheduling slack on a loaded two-core machine; a second L2 wait would exceed it. */
const MARGIN_MS = 150

describe('getOrSet with Redis hung (SIGSTOP)', () => {
  const server = new RedisServer()
  beforeAll(() => server.start())
  afterAll(() => server.stop())

  it.each([
    ['without the lock', 'local'],
    ['with the lock', 'distributed'],
  ] as const)('%s, waits on L2 at most l2CommandTimeout in all, and journals its write', async (_, lock) => {
    const cache = openService({
      l2Url: server.url,
      l2CommandTimeout: COMMAND_TIMEOUT_MS / 1000,
      // Every call meets the hung server: the breaker would otherwise spare the later ones.
      circuitBreakerEnabled: false,
    }).createCache<string>({ l2KeyPrefix: `budget-${lock}`, l1Enabled: true })
    await cache.set('warm', 'up') // the connection is made before the server hangs
    await server.pause()
    try {
      const startedAt = performance.now()
      expect(await cache.getOrSet('k', () => 'loaded', { lock })).toBe('loaded')
      const elapsedMs = performance.now() - startedAt
      // It did wait for the lookup (the server was asked), and for nothing after it: the lock, the
      // write would each have taken another l2CommandTimeout.
      expect(elapsedMs).toBeGreaterThanOrEqual(COMMAND_TIMEOUT_MS * 0.9)
      expect(elapsedMs).toBeLessThan(COMMAND_TIMEOUT_MS + MARGIN_MS)
      // The value is in L1, and its L2 write is remembered for repair, not silently dropped.
      expect(await cache.get('k')).toBe('loaded')
      expect(cache.getStats().l2.pendingRepairs).toBeGreaterThanOrEqual(1)
    } finally {
      await server.resume()
    }
  })
})

describe('getOrSet and wrap options', () => {
  const cacheOf = () => openService().createCache<string>({ l2Enabled: false, l1Enabled: true })

  it.each([
    [{ grace: '1x' }, 'grace'],
    [{ staleIfError: -1 }, 'staleIfError'],
    [{ graceBackoff: 'soon' }, 'graceBackoff'],
    [{ eagerRefresh: 1.5 }, 'eagerRefresh'],
    [{ eagerRefresh: '0.5' }, 'eagerRefresh'],
    [{ softTimeout: -5 }, 'softTimeout'],
    [{ hardTimeout: '1 minute' }, 'hardTimeout'],
  ])('rejects %o with a CacheConfigurationError naming %s', async (options, field) => {
    const error = await cacheOf()
      .getOrSet('k', () => 'v', options as never)
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CacheConfigurationError)
    expect(error).toMatchObject({ field })
  })

  it('rejects a signal that is not an AbortSignal, and grace given twice, with a TypeError naming them', async () => {
    await expect(cacheOf().getOrSet('k', () => 'v', { signal: {} as never })).rejects.toThrow(
      /signal must be an AbortSignal/,
    )
    await expect(cacheOf().getOrSet('k', () => 'v', { grace: 1, staleIfError: 1 })).rejects.toThrow(
      /grace or staleIfError/,
    )
  })

  it('rejects unknown keys naming the closest valid one', async () => {
    const cache = cacheOf()
    await expect(cache.getOrSet('k', () => 'v', { staleIfErorr: 1 } as never)).rejects.toThrow(
      "getOrSet: unknown option 'staleIfErorr'; did you mean 'staleIfError'?",
    )
    await expect(cache.getOrSet('k', () => 'v', { ttll: 1 } as never)).rejects.toThrow(/did you mean 'ttl'/)
    expect(() => cache.wrap(async () => 'v', { key: 'k', hardTimout: 1 } as never)).toThrow(
      /wrap: unknown option 'hardTimout'; did you mean 'hardTimeout'/,
    )
  })

  it('validates the cache-level loading defaults when the cache is created', () => {
    const service = openService()
    expect(() => service.createCache({ l2Enabled: false, l1Enabled: true, grace: '1x' })).toThrow(/grace/)
    expect(() => service.createCache({ l2Enabled: false, l1Enabled: true, eagerRefresh: 1 })).toThrow(
      /eagerRefresh/,
    )
    expect(() => service.createCache({ l2Enabled: false, l1Enabled: true, gracee: 1 } as never)).toThrow(
      /did you mean 'grace'/,
    )
  })
})
