import Fastify, { type FastifyReply } from 'fastify'
import { describe, expect, it } from 'vitest'
import { CacheService, isCacheConfigurationError } from '../../src/index.js'
import fastifyResilientCache, { cacheHealthHandler } from '../../src/integrations/fastify.js'
import { silentLogger } from '../../src/logger.js'
import { useRedisServer } from '../helpers/services.js'
import { ROUTE_CACHE_OPTIONS, type RouteReply, type StartApp } from './app-harness.js'
import { describeIntegration } from './integration-suite.js'

function send(reply: FastifyReply, routeReply: RouteReply): FastifyReply {
  reply.code(routeReply.status).headers(routeReply.headers)
  return reply.send('json' in routeReply ? routeReply.json : Buffer.from(routeReply.body))
}

const startFastify: StartApp = async (routes, config) => {
  const app = Fastify()
  await app.register(fastifyResilientCache, { config, responseCache: ROUTE_CACHE_OPTIONS })
  for (const { path, produce } of routes.cached) {
    app.get(path, { config: { responseCache: true } }, async (request, reply) =>
      send(reply, await produce(new URLSearchParams(request.query as Record<string, string>))),
    )
  }
  app.get<{ Params: { id: string } }>('/user/:id', async function (request, reply) {
    return send(reply, await routes.readUser(this.cacheService, request.params.id))
  })
  app.post<{ Params: { id: string } }>('/user/:id', async (request, reply) => {
    const name = String(request.headers['x-new-name'] ?? '')
    return send(reply, await routes.renameUser(request.server.cacheService, request.params.id, name))
  })
  app.get('/health', cacheHealthHandler)
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  return {
    baseUrl: address,
    service: app.cacheService,
    responseCacheStats: () => app.responseCacheStats(),
    close: () => app.close(),
  }
}

describeIntegration('Fastify', startFastify)

/** The error `ready()` rejects with, or a failure when it boots. */
async function bootError(app: ReturnType<typeof Fastify>): Promise<unknown> {
  try {
    await app.ready()
  } catch (error) {
    return error
  } finally {
    await app.close()
  }
  throw new Error('expected the app to fail to boot')
}

describe('Fastify: configuration and lifecycle', () => {
  const redis = useRedisServer()

  it('takes the configuration from the plugin options, over CACHE_* of env', async () => {
    const app = Fastify()
    await app.register(fastifyResilientCache, {
      env: { CACHE_REDIS_URL: 'redis://127.0.0.1:1/0', CACHE_CIRCUIT_BREAKER_THRESHOLD: '3' },
      config: { l2Url: redis.server.url, logger: silentLogger },
    })
    try {
      expect(app.cacheService.config.resolved.l2Url).toBe(redis.server.url)
      expect(app.cacheService.config.resolved.circuitBreakerThreshold).toBe(3)
      expect(await app.cacheService.ping()).toBe(true)
    } finally {
      await app.close()
    }
  })

  it('falls back to CACHE_* of env', async () => {
    const app = Fastify()
    await app.register(fastifyResilientCache, { env: { CACHE_REDIS_URL: redis.server.url } })
    try {
      expect(await app.cacheService.ping()).toBe(true)
    } finally {
      await app.close()
    }
  })

  it('fails to boot with CacheConfigurationError naming a bad CACHE_* value', async () => {
    const app = Fastify()
    app.register(fastifyResilientCache, { env: { CACHE_REDIS_PORT: '99999' } })
    const error = await bootError(app)
    expect(isCacheConfigurationError(error)).toBe(true)
    expect((error as Error).message).toContain('CACHE_REDIS_PORT')
  })

  it('fails to boot on invalid route response caching options, naming the route', async () => {
    const app = Fastify()
    await app.register(fastifyResilientCache, { config: { logger: silentLogger } })
    let thrown: unknown
    try {
      app.get('/x', { config: { responseCache: { ttl: -5 } } }, async () => 'x')
    } catch (error) {
      thrown = error
    } finally {
      await app.close()
    }
    expect(isCacheConfigurationError(thrown)).toBe(true)
    expect((thrown as Error).message).toContain('config.responseCache of GET /x.ttl')
  })

  it('refuses a second registration', async () => {
    const app = Fastify()
    app.register(fastifyResilientCache, { config: { logger: silentLogger } })
    app.register(fastifyResilientCache, { config: { logger: silentLogger } })
    const error = await bootError(app)
    expect(isCacheConfigurationError(error)).toBe(true)
    expect((error as Error).message).toContain('already registered')
  })

  it('closes the service it created when the app closes', async () => {
    const app = Fastify()
    await app.register(fastifyResilientCache, { config: { l2Url: redis.server.url, logger: silentLogger } })
    const service = app.cacheService
    await app.close()
    expect(() => service.createCache({ l2KeyPrefix: 'after-close' })).toThrow(/closed/)
  })

  it('uses a given service and leaves it open when the app closes', async () => {
    const service = new CacheService({ l2Url: redis.server.url, logger: silentLogger })
    try {
      const app = Fastify()
      await app.register(fastifyResilientCache, { service })
      expect(app.cacheService).toBe(service)
      await app.close()
      expect(await service.ping()).toBe(true)
    } finally {
      await service.close()
    }
  })

  it('makes the service visible to encapsulated plugins registered after it', async () => {
    const app = Fastify()
    await app.register(fastifyResilientCache, { config: { logger: silentLogger } })
    let seen: CacheService | undefined
    await app.register(async (child) => {
      seen = child.cacheService
    })
    await app.ready()
    expect(seen).toBe(app.cacheService)
    await app.close()
  })
})
