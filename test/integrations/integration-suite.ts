/**
 * The behaviour every framework integration must have, run by each framework's test file against
 * its own app: real HTTP on 127.0.0.1, real redis-server.
 */
import { once } from 'node:events'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type CacheFactoryConfigOptions, CacheService, isCacheConfigurationError } from '../../src/index.js'
import { silentLogger } from '../../src/kernel/logger.js'
import { useRedisServer, waitFor } from '../helpers/services.js'
import {
  type AppUnderTest,
  BINARY_BYTES,
  type BootIntegration,
  type FrameworkUnderTest,
  type StartApp,
  TestRoutes,
} from './app-harness.js'

/** The default response store's prefix here: from the name in this project's package.json. */
const DEFAULT_PREFIX = 'http:resilient-cache'

interface Fetched {
  status: number
  headers: Headers
  body: Buffer
  text: string
}

async function get(app: AppUnderTest, path: string, init: RequestInit = {}): Promise<Fetched> {
  const response = await fetch(app.baseUrl + path, init)
  const body = Buffer.from(await response.arrayBuffer())
  return { status: response.status, headers: response.headers, body, text: body.toString('utf8') }
}

/** Starts an app per test on a fresh Redis database and closes it after the test. */
function useApp(start: StartApp, redisUrl: () => string, config: CacheFactoryConfigOptions = {}) {
  const holder = {} as { app: AppUnderTest; routes: TestRoutes }
  beforeEach(async () => {
    holder.routes = new TestRoutes()
    holder.app = await start(holder.routes, {
      l2Url: redisUrl(),
      logger: silentLogger,
      l2CommandTimeout: 0.5,
      ...config,
    })
  })
  afterEach(async () => {
    // A failed single-flight test must not leave handlers waiting, or the server would not close.
    holder.routes?.openGate()
    await holder.app?.close()
  })
  return holder
}

/** The error a failed boot rejects with; fails the test when the boot succeeds. */
async function bootError(boot: BootIntegration, options: Parameters<BootIntegration>[0]): Promise<unknown> {
  let booted: Awaited<ReturnType<BootIntegration>> | undefined
  try {
    booted = await boot(options)
  } catch (error) {
    return error
  }
  await booted.close()
  throw new Error('expected the boot to fail')
}

/** The shared behaviour of the integrations. */
export function describeIntegration(framework: string, { start, boot }: FrameworkUnderTest): void {
  describe(`${framework}: configuration and ownership of the service`, () => {
    const redis = useRedisServer()

    it('takes options from the integration, over the CACHE_* environment', async () => {
      const booted = await boot({
        env: { CACHE_REDIS_URL: 'redis://127.0.0.1:1/0', CACHE_CIRCUIT_BREAKER_THRESHOLD: '3' },
        config: { l2Url: redis.server.url, logger: silentLogger },
      })
      try {
        expect(booted.service.config.resolved.l2Url).toBe(redis.server.url)
        expect(booted.service.config.resolved.circuitBreakerThreshold).toBe(3)
        expect(await booted.service.ping()).toBe(true)
      } finally {
        await booted.close()
      }
    })

    it('falls back to the CACHE_* environment', async () => {
      const booted = await boot({ env: { CACHE_REDIS_URL: redis.server.url, CACHE_SERIALIZER: 'json' } })
      try {
        expect(booted.service.config.resolved.serializer.name).toBe('json')
        expect(await booted.service.ping()).toBe(true)
      } finally {
        await booted.close()
      }
    })

    it('fails to boot with CacheConfigurationError naming a bad CACHE_* value', async () => {
      const error = await bootError(boot, { env: { CACHE_REDIS_PORT: 'abc' } })
      expect(isCacheConfigurationError(error)).toBe(true)
      expect((error as Error).message).toContain(
        "CACHE_REDIS_PORT: expected a whole decimal number, got 'abc'",
      )
    })

    it('fails to boot with CacheConfigurationError naming a bad CACHE_HTTP_PREFIX', async () => {
      const error = await bootError(boot, { env: { CACHE_HTTP_PREFIX: 'shop::a' } })
      expect(isCacheConfigurationError(error) && error.field).toBe('CACHE_HTTP_PREFIX')
    })

    it('closes the service it created when the app closes', async () => {
      const booted = await boot({ config: { l2Url: redis.server.url, logger: silentLogger } })
      await booted.close()
      expect(() => booted.service.createCache({ l2KeyPrefix: 'after-close' })).toThrow(/closed/)
    })

    it('uses a given service and leaves it open when the app closes', async () => {
      const service = new CacheService({ l2Url: redis.server.url, logger: silentLogger })
      try {
        const booted = await boot({ service })
        expect(booted.service).toBe(service)
        await booted.close()
        expect(await service.ping()).toBe(true)
      } finally {
        await service.close()
      }
    })

    it('refuses a given service combined with config', async () => {
      const service = new CacheService({ logger: silentLogger })
      const error = await bootError(boot, { service, config: { l2Port: 1 } })
      expect(isCacheConfigurationError(error) && error.field).toBe('config')
      await service.close()
    })
  })

  describe(`${framework}: response caching`, () => {
    const redis = useRedisServer()
    const env = useApp(start, () => redis.server.url)
    beforeEach(async () => {
      await redis.server.command('FLUSHALL')
    })

    it('answers MISS, then HIT with the same status, body, content type and ETag, running the handler once', async () => {
      const miss = await get(env.app, '/text')
      const hit = await get(env.app, '/text')
      expect(miss.headers.get('x-cache')).toBe('MISS')
      expect(hit.headers.get('x-cache')).toBe('HIT')
      expect(miss.text).toBe('/text run 1')
      expect(hit.text).toBe(miss.text)
      expect(hit.status).toBe(200)
      expect(hit.headers.get('content-type')).toBe(miss.headers.get('content-type'))
      expect(hit.headers.get('etag')).toBe('"v1"')
      expect(hit.headers.get('content-length')).toBe(String(miss.body.byteLength))
      expect(env.routes.count('/text')).toBe(1)
    })

    it("stores the response in the L2 of the service, under the app's prefix, keyed by host and path", async () => {
      await get(env.app, '/text')
      const host = new URL(env.app.baseUrl).host
      await waitFor(() => env.app.responseCacheStats().stored === 1)
      const keys = await redis.server.command('KEYS', `${DEFAULT_PREFIX}::GET *`)
      expect(keys).toMatch(new RegExp(`^${DEFAULT_PREFIX}::GET ${host.replace(':', '%3A')} /text @\\S+$`))
    })

    it('serves a JSON body with its content type', async () => {
      const miss = await get(env.app, '/json')
      const hit = await get(env.app, '/json')
      expect(hit.headers.get('x-cache')).toBe('HIT')
      expect(JSON.parse(hit.text)).toEqual({ route: '/json', run: 1 })
      expect(hit.text).toBe(miss.text)
      expect(hit.headers.get('content-type')).toBe(miss.headers.get('content-type'))
      expect(hit.headers.get('content-type')).toMatch(/^application\/json/)
    })

    it('serves a binary body byte for byte', async () => {
      const miss = await get(env.app, '/binary')
      const hit = await get(env.app, '/binary')
      expect(hit.headers.get('x-cache')).toBe('HIT')
      expect([...miss.body]).toEqual([...BINARY_BYTES, 1])
      expect(hit.body.equals(miss.body)).toBe(true)
      expect(hit.headers.get('content-type')).toBe('application/octet-stream')
    })

    it('answers HEAD from the GET entry, with its headers and length and no body', async () => {
      const miss = await get(env.app, '/text')
      const head = await get(env.app, '/text', { method: 'HEAD' })
      expect(head.headers.get('x-cache')).toBe('HIT')
      expect(head.headers.get('content-length')).toBe(String(miss.body.byteLength))
      expect(head.body.byteLength).toBe(0)
      expect(env.routes.count('/text')).toBe(1)
    })

    it('keys by query parameters, in any order', async () => {
      expect((await get(env.app, '/search?a=1&b=2')).headers.get('x-cache')).toBe('MISS')
      const reordered = await get(env.app, '/search?b=2&a=1')
      expect(reordered.headers.get('x-cache')).toBe('HIT')
      expect(reordered.text).toBe('/search run 1')
      const other = await get(env.app, '/search?a=2&b=2')
      expect(other.headers.get('x-cache')).toBe('MISS')
      expect(other.text).toBe('/search run 2')
    })

    it.each([
      ['/no-store', 'Cache-Control: no-store'],
      ['/private', 'Cache-Control: private'],
      ['/cookie', 'Set-Cookie'],
      ['/vary', 'a Vary header the key ignores'],
      ['/missing', 'status 404'],
      ['/failing', 'status 500'],
      ['/large', 'a body over maxBodyBytes'],
    ])('never stores %s (%s)', async (path) => {
      const first = await get(env.app, path)
      const second = await get(env.app, path)
      expect(first.headers.get('x-cache')).toBe('MISS')
      expect(second.headers.get('x-cache')).toBe('MISS')
      expect(env.routes.count(path)).toBe(2)
      await waitFor(() => env.app.responseCacheStats().notStored === 2, 5000, 'both responses judged')
      expect(env.app.responseCacheStats().stored).toBe(0)
      // Only the URL's purge version is in Redis, no response.
      expect(await redis.server.command('KEYS', '*::GET *')).toBe('')
    })

    it('keeps the cookie of a response that is not stored', async () => {
      const response = await get(env.app, '/cookie')
      expect(response.headers.get('set-cookie')).toBe('session=abc; HttpOnly')
    })

    it('does not cache a request that carries Authorization', async () => {
      const init = { headers: { authorization: 'Bearer secret' } }
      const first = await get(env.app, '/text', init)
      const second = await get(env.app, '/text', init)
      expect(first.headers.get('x-cache')).toBe('BYPASS')
      expect(second.text).toBe('/text run 2')
      expect(env.app.responseCacheStats()).toMatchObject({ bypassed: 2, bypassReasons: { authorization: 2 } })
    })

    it('runs the handler once for concurrent misses of one key and gives every request its response', async () => {
      const concurrent = 5
      env.routes.closeGate()
      const requests = Array.from({ length: concurrent }, () => get(env.app, '/slow'))
      // The first request is in the handler and the others wait for it: then the handler may finish.
      await waitFor(
        () => env.routes.count('/slow') === 1 && env.app.responseCacheStats().waiting === concurrent - 1,
        10_000,
        'one handler run and the other requests waiting',
      )
      env.routes.openGate()
      const responses = await Promise.all(requests)
      expect(env.routes.count('/slow')).toBe(1)
      expect(responses.map((response) => response.text)).toEqual(Array(concurrent).fill('/slow run 1'))
      const headers = responses.map((response) => response.headers.get('x-cache')).sort()
      expect(headers).toEqual(['HIT', 'HIT', 'HIT', 'HIT', 'MISS'])
      expect(env.app.responseCacheStats()).toMatchObject({ misses: 1, sharedHits: concurrent - 1, stored: 1 })
    })

    it('releases requests waiting on a response that may not be shared, to run their own handler', async () => {
      const concurrent = 3
      env.routes.closeGate()
      const requests = Array.from({ length: concurrent }, () => get(env.app, '/slow-private'))
      await waitFor(
        () =>
          env.routes.count('/slow-private') === 1 && env.app.responseCacheStats().waiting === concurrent - 1,
        10_000,
        'one handler run and the other requests waiting',
      )
      env.routes.openGate()
      const responses = await Promise.all(requests)
      expect(env.routes.count('/slow-private')).toBe(concurrent)
      expect(responses.map((response) => response.text).sort()).toEqual([
        '/slow-private run 1',
        '/slow-private run 2',
        '/slow-private run 3',
      ])
      expect(responses.map((response) => response.headers.get('x-cache'))).toEqual(['MISS', 'MISS', 'MISS'])
    })
  })

  describe(`${framework}: handler access to the service`, () => {
    const redis = useRedisServer()
    const env = useApp(start, () => redis.server.url)

    it('reads through the cache with get/set and invalidates on update with delete', async () => {
      const first = JSON.parse((await get(env.app, '/user/1')).text)
      const second = JSON.parse((await get(env.app, '/user/1')).text)
      expect(first).toEqual({ user: { id: '1', name: 'Ada' }, source: 'database' })
      expect(second).toEqual({ user: { id: '1', name: 'Ada' }, source: 'cache' })
      expect(env.routes.count('db')).toBe(1)
      expect(await redis.server.command('EXISTS', 'users::user_1')).toBe('1')
      await get(env.app, '/user/1', { method: 'POST', headers: { 'x-new-name': 'Ada Lovelace' } })
      expect(await redis.server.command('EXISTS', 'users::user_1')).toBe('0')
      const third = JSON.parse((await get(env.app, '/user/1')).text)
      expect(third).toEqual({ user: { id: '1', name: 'Ada Lovelace' }, source: 'database' })
    })
  })

  describe(`${framework}: health endpoint and Redis outages`, () => {
    const redis = useRedisServer()
    // A short timeout and a threshold of 1: one failed L2 call opens the breaker.
    const env = useApp(start, () => redis.server.url, {
      l2CommandTimeout: 0.2,
      circuitBreakerThreshold: 1,
      circuitBreakerTimeout: 60,
    })
    afterEach(async () => {
      if (!redis.server.isRunning) await redis.server.restart()
    })

    it('answers 200 healthy with the service stats while L2 works', async () => {
      await get(env.app, '/text')
      const health = await get(env.app, '/health')
      expect(health.status).toBe(200)
      expect(health.headers.get('cache-control')).toBe('no-store')
      const body = JSON.parse(health.text)
      expect(body.status).toBe('healthy')
      expect(body.stats.l2.circuitBreaker.state).toBe('closed')
      expect(body.stats.caches[DEFAULT_PREFIX].l2.keyPrefix).toBe(DEFAULT_PREFIX)
    })

    it('answers 503 degraded once Redis is gone and the breaker opened', async () => {
      await get(env.app, '/text')
      // Listening before the stop: a write still in flight (the store of /text, its bus message) may
      // be the failure that opens the breaker, before the next request.
      const opened = once(env.app.service, 'breaker:open')
      await redis.server.stop()
      // A miss needs L2: its failure opens the breaker; the request itself is still answered.
      const during = await get(env.app, '/json')
      expect(during.status).toBe(200)
      await opened
      const health = await get(env.app, '/health')
      expect(health.status).toBe(503)
      expect(JSON.parse(health.text)).toEqual({ status: 'degraded', reason: 'L2 unavailable' })
    })

    it('serves a cached response from L1 while Redis is down', async () => {
      const miss = await get(env.app, '/binary')
      await redis.server.stop()
      const hit = await get(env.app, '/binary')
      expect(hit.headers.get('x-cache')).toBe('HIT')
      expect(hit.body.equals(miss.body)).toBe(true)
      expect(env.routes.count('/binary')).toBe(1)
    })
  })
}
