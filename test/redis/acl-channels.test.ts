import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkCacheHealth } from '../../src/addons/integrations/health.js'
import { createPrometheusMetrics } from '../../src/addons/metrics/prometheus.js'
import type { CacheService } from '../../src/cache/cache-service.js'
import type { CacheFactoryConfigOptions } from '../../src/config/options.js'
import { type RecordingLogger, recordingLogger } from '../helpers/recording-logger.js'
import { RedisServer } from '../helpers/redis-server.js'
import { useServices, waitFor } from '../helpers/services.js'

const openService = useServices()
let server: RedisServer

beforeAll(async () => {
  server = new RedisServer()
  await server.start()
  // Redis 7 gives a new ACL user no pub/sub channels (acl-pubsub-default resetchannels).
  await server.command('ACL', 'SETUSER', 'app', 'on', '>pw', '~*', '+@all')
  await server.command('ACL', 'SETUSER', 'reader', 'on', '>pw', '~*', '&resilient-cache:*', '+@all')
})

afterAll(async () => {
  await server.stop()
})

/** A service that connects as `user`, with a breaker that would open on the first failure it is told of. */
function serviceAs(
  user: string,
  logger: RecordingLogger,
  options: CacheFactoryConfigOptions = {},
): CacheService {
  return openService({
    l2Url: server.url,
    l2Username: user,
    l2Password: 'pw',
    circuitBreakerThreshold: 1,
    logger,
    ...options,
  })
}

/** Counts the breaker openings of a service. */
function countOpenings(service: CacheService): { count: number } {
  const openings = { count: 0 }
  service.on('breaker:open', () => openings.count++)
  return openings
}

const KEYS = Array.from({ length: 20 }, (_, i) => `k${i}`)

describe('an ACL user without channel rights', () => {
  it("keeps L2 for data with invalidation 'bus': 20 of 20 L2 hits from a second service, breaker closed", async () => {
    const writerLog = recordingLogger()
    const writer = serviceAs('app', writerLog, { invalidation: 'bus' })
    const writerOpenings = countOpenings(writer)
    const cache = writer.createCache<number>({ l2KeyPrefix: 'acl', l1Enabled: true })
    for (const [i, key] of KEYS.entries()) await cache.set(key, i)
    await waitFor(
      () => writer.getStats().invalidation.lastErrorOperation === 'publish',
      5000,
      'a refused publish',
    )
    // More writes after the refusal: each is refused again, and none reaches the breaker.
    for (const [i, key] of KEYS.entries()) await cache.set(key, i + 100)

    const readerLog = recordingLogger()
    const reader = serviceAs('app', readerLog, { invalidation: 'bus' })
    const readerOpenings = countOpenings(reader)
    const readerCache = reader.createCache<number>({ l2KeyPrefix: 'acl', l1Enabled: true })
    const values = await Promise.all(KEYS.map((key) => readerCache.get(key)))
    expect(values).toEqual(KEYS.map((_, i) => i + 100))
    expect(readerCache.getStats().l2.hits).toBe(20)

    for (const service of [writer, reader]) {
      expect(service.getStats().l2.circuitBreaker.state).toBe('closed')
      expect(service.getStats().l2.circuitBreaker.failureCount).toBe(0)
    }
    expect(writerOpenings.count + readerOpenings.count).toBe(0)
    expect(cache.getStats().l2).toMatchObject({ errors: 0, pendingRepairs: 0 })

    const stats = writer.getStats().invalidation
    expect(stats.state).toBe('failing')
    expect(stats.lastErrorCode).toBe('NOPERM')
    expect(stats.failing).toContain('publish')
    // Reported once, at error, naming the fix; the many refusals after it at debug only.
    const errors = writerLog.records.filter((record) => record.level === 'error')
    const publishErrors = errors.filter((record) => record.context.operation === 'publish')
    expect(publishErrors).toHaveLength(1)
    expect(publishErrors[0]?.message).toContain('ACL SETUSER app &resilient-cache:*')
    expect(publishErrors[0]?.message).toContain("invalidation: 'none'")
    expect(writerLog.records.filter((record) => record.level === 'warn')).toEqual([])
    expect(JSON.stringify(writerLog.records)).not.toContain('pw')

    const prometheus = createPrometheusMetrics(writer)
    try {
      const { body } = await prometheus.scrape()
      expect(body).toMatch(/^resilient_cache_invalidation_failing\{operation="publish"\} 1$/m)
      expect(body).toMatch(/^resilient_cache_invalidation_failing\{operation="tracking"\} 0$/m)
    } finally {
      prometheus.close()
    }
  })

  it('reports the refused subscription once, in stats and in the health body (200, not 503)', async () => {
    const logger = recordingLogger()
    const service = serviceAs('app', logger, { invalidation: 'bus' })
    service.createCache<number>({ l2KeyPrefix: 'health', l1Enabled: true })
    await waitFor(
      () => service.getStats().invalidation.failing.includes('subscribe'),
      5000,
      'a refused SUBSCRIBE',
    )
    const report = checkCacheHealth(service)
    expect(report.statusCode).toBe(200)
    expect(report.body).toMatchObject({
      status: 'healthy',
      invalidation: { state: 'failing', lastErrorCode: 'NOPERM' },
    })
    const subscribeErrors = logger.records.filter(
      (record) => record.level === 'error' && record.context.operation === 'subscribe',
    )
    expect(subscribeErrors).toHaveLength(1)
    expect(subscribeErrors[0]?.message).toContain('ACL SETUSER app &resilient-cache:*')
  })

  it("keeps L2 for data with invalidation 'tracking', and reports tracking as failing", async () => {
    const logger = recordingLogger()
    const service = serviceAs('app', logger, { invalidation: 'tracking' })
    const cache = service.createCache<number>({ l2KeyPrefix: 'tracked', l1Enabled: true })
    await waitFor(
      () => service.getStats().invalidation.failing.includes('tracking'),
      5000,
      'refused tracking',
    )
    for (const [i, key] of KEYS.entries()) await cache.set(key, i)
    const other = serviceAs('app', recordingLogger(), { invalidation: 'none' }).createCache<number>({
      l2KeyPrefix: 'tracked',
    })
    expect(await Promise.all(KEYS.map((key) => other.get(key)))).toEqual(KEYS.map((_, i) => i))
    expect(other.getStats().l2.hits).toBe(20)
    expect(service.getStats().invalidation.lastErrorCode).toBe('NOPERM')
    expect(service.getStats().l2.circuitBreaker.state).toBe('closed')
    const trackingErrors = logger.records.filter((record) => record.level === 'error')
    expect(trackingErrors).toHaveLength(1)
    expect(trackingErrors[0]?.message).toContain('&__redis__:invalidate')
  })

  it('announces the whole cache once it may publish again, so no other instance keeps a stale copy', async () => {
    await server.command('ACL', 'SETUSER', 'later', 'on', '>pw', '~*', 'resetchannels', '+@all')
    const writer = serviceAs('later', recordingLogger(), { invalidation: 'bus' })
    const writerCache = writer.createCache<number>({ l2KeyPrefix: 'owed', l1Enabled: true })
    const readerService = serviceAs('reader', recordingLogger(), { invalidation: 'bus' })
    const readerCache = readerService.createCache<number>({ l2KeyPrefix: 'owed', l1Enabled: true })
    await writerCache.set('k', 1)
    expect(await readerCache.get('k')).toBe(1)

    await writerCache.set('k', 2)
    await waitFor(() => writer.getStats().invalidation.state === 'failing', 5000, 'a refused publish')
    expect(await readerCache.get('k')).toBe(1)

    await server.command('ACL', 'SETUSER', 'later', '&resilient-cache:*')
    await writerCache.set('unrelated', 3)
    await waitFor(
      () => readerCache.getStats().invalidation.messagesReceived > 0,
      5000,
      'the owed announcement',
    )
    expect(await readerCache.get('k')).toBe(2)
    expect(writer.getStats().invalidation.failing).not.toContain('publish')
  })
})

describe('an ACL user with channel rights', () => {
  it('invalidates other instances over the bus as before, and reports nothing', async () => {
    const logs = [recordingLogger(), recordingLogger()]
    const [a, b] = logs.map((logger) =>
      serviceAs('reader', logger, { invalidation: 'bus' }).createCache<number>({
        l2KeyPrefix: 'rights',
        l1Enabled: true,
      }),
    )
    if (a === undefined || b === undefined) throw new Error('two caches expected')
    await a.set('k', 1)
    expect(await b.get('k')).toBe(1)
    await a.set('k', 2)
    await waitFor(() => b.getStats().invalidation.messagesReceived > 0, 5000, 'the invalidation')
    expect(await b.get('k')).toBe(2)
    for (const logger of logs) expect(logger.problems()).toEqual([])
  })
})
