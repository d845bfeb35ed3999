import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { type Context, Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { CacheService } from '../../src/index.js'
import { type CacheEnv, HonoCacheService } from '../../src/integrations/hono.js'
import { silentLogger } from '../../src/logger.js'
import { configError } from '../helpers/config-error.js'
import { useRedisServer } from '../helpers/services.js'
import { ROUTE_CACHE_OPTIONS, type RouteReply, type StartApp } from './app-harness.js'
import { describeIntegration } from './integration-suite.js'

function send(c: Context, reply: RouteReply): Response {
  if ('json' in reply) return c.json(reply.json, reply.status as 200, reply.headers)
  return c.body(
    typeof reply.body === 'string' ? reply.body : Uint8Array.from(reply.body).buffer,
    reply.status as 200,
    reply.headers,
  )
}

const startHono: StartApp = async (routes, config) => {
  const cache = new HonoCacheService({ config })
  const app = new Hono<CacheEnv>()
  app.use(cache.middleware())
  for (const { path, produce } of routes.cached) {
    app.get(path, cache.responseCache(ROUTE_CACHE_OPTIONS), async (c) =>
      send(c, await produce(new URL(c.req.url).searchParams)),
    )
  }
  app.get('/user/:id', async (c) => send(c, await routes.readUser(c.var.cacheService, c.req.param('id'))))
  app.post('/user/:id', async (c) =>
    send(
      c,
      await routes.renameUser(c.get('cacheService'), c.req.param('id'), c.req.header('x-new-name') ?? ''),
    ),
  )
  app.get('/health', cache.healthHandler())
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' })
  await once(server, 'listening')
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    service: cache.service,
    responseCacheStats: () => cache.responseCacheStats,
    close: async () => {
      if ('closeAllConnections' in server) server.closeAllConnections()
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      )
      await cache.close()
    },
  }
}

describeIntegration('Hono', startHono)

describe('Hono: configuration and lifecycle', () => {
  const redis = useRedisServer()

  it('takes the configuration from the middleware options, over CACHE_* of env', async () => {
    const cache = new HonoCacheService({
      env: { CACHE_REDIS_URL: 'redis://127.0.0.1:1/0', CACHE_CIRCUIT_BREAKER_THRESHOLD: '3' },
      config: { l2Url: redis.server.url, logger: silentLogger },
    })
    try {
      expect(cache.service.config.resolved.l2Url).toBe(redis.server.url)
      expect(cache.service.config.resolved.circuitBreakerThreshold).toBe(3)
      expect(await cache.service.ping()).toBe(true)
    } finally {
      await cache.close()
    }
  })

  it('falls back to CACHE_* of env', async () => {
    const cache = new HonoCacheService({ env: { CACHE_REDIS_URL: redis.server.url } })
    try {
      expect(await cache.service.ping()).toBe(true)
    } finally {
      await cache.close()
    }
  })

  it('fails at construction with CacheConfigurationError naming a bad CACHE_* value', () => {
    const error = configError(() => new HonoCacheService({ env: { CACHE_CIRCUIT_BREAKER_THRESHOLD: '0' } }))
    expect(error.field).toBe('CACHE_CIRCUIT_BREAKER_THRESHOLD')
  })

  it('sets c.var.cacheService for the handlers', async () => {
    const cache = new HonoCacheService({ config: { logger: silentLogger } })
    const app = new Hono<CacheEnv>()
    app.use(cache.middleware())
    app.get('/same', (c) => c.text(String(c.var.cacheService === cache.service)))
    const response = await app.request('/same')
    expect(await response.text()).toBe('true')
    await cache.close()
  })

  it('closes the service it created, and only that', async () => {
    const own = new HonoCacheService({ config: { logger: silentLogger } })
    await own.close()
    expect(() => own.service.createCache({ l2KeyPrefix: 'after-close' })).toThrow(/closed/)
    const service = new CacheService({ l2Url: redis.server.url, logger: silentLogger })
    try {
      const given = new HonoCacheService({ service })
      await given.close()
      expect(await service.ping()).toBe(true)
    } finally {
      await service.close()
    }
  })
})
