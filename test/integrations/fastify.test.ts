import { Readable } from 'node:stream'
import type { FastifyReply } from 'fastify'
import { describe, expect, it } from 'vitest'
import fastifyResilientCache, { cacheHealthHandler } from '../../src/addons/integrations/fastify.js'
import { type CacheService, isCacheConfigurationError } from '../../src/index.js'
import { silentLogger } from '../../src/kernel/logger.js'
import { useRedisServer } from '../helpers/services.js'
import { type FrameworkUnderTest, ROUTE_CACHE_OPTIONS, type RouteReply } from './app-harness.js'
import { FASTIFY_MAJORS } from './framework-majors.js'
import { describeIntegration } from './integration-suite.js'

function send(reply: FastifyReply, routeReply: RouteReply): FastifyReply {
  reply.code(routeReply.status).headers(routeReply.headers)
  return reply.send('json' in routeReply ? routeReply.json : Buffer.from(routeReply.body))
}

type FastifyFactory = (typeof FASTIFY_MAJORS)[number]['module']

/** The shared suite's handle on apps of this Fastify module (either major). */
function fastifyUnderTest(Fastify: FastifyFactory): FrameworkUnderTest {
  return {
    async start(routes, config) {
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
      const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' })
      return {
        baseUrl,
        service: app.cacheService,
        responseCacheStats: () => app.responseCacheStats(),
        close: () => app.close(),
      }
    },
    async boot(options) {
      const app = Fastify()
      try {
        await app.register(fastifyResilientCache, options)
      } catch (error) {
        await app.close()
        throw error
      }
      return { service: app.cacheService, close: () => app.close() }
    },
  }
}

/** The error `ready()` rejects with; fails the test when the app boots. */
async function readyError(app: ReturnType<FastifyFactory>): Promise<unknown> {
  try {
    await app.ready()
  } catch (error) {
    return error
  } finally {
    await app.close()
  }
  throw new Error('expected the app to fail to boot')
}

for (const { label, module: Fastify } of FASTIFY_MAJORS) {
  describeIntegration(label, fastifyUnderTest(Fastify))

  describe(`${label}: plugin registration and routes`, () => {
    it('refuses a second registration', async () => {
      const app = Fastify()
      app.register(fastifyResilientCache, { config: { logger: silentLogger } })
      app.register(fastifyResilientCache, { config: { logger: silentLogger } })
      const error = await readyError(app)
      expect(isCacheConfigurationError(error)).toBe(true)
      expect((error as Error).message).toContain('already registered')
    })

    it('fails to boot on invalid plugin response caching defaults', async () => {
      const app = Fastify()
      app.register(fastifyResilientCache, {
        config: { logger: silentLogger },
        responseCache: { query: 'all' as never },
      })
      const error = await readyError(app)
      expect(isCacheConfigurationError(error) && error.field).toBe('responseCache.query')
    })

    it('fails on invalid route response caching options, naming the route', async () => {
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
  describe(`${label}: streamed payloads`, () => {
    const redis = useRedisServer()

    it('sends a streamed payload unchanged and never stores it', async () => {
      const app = Fastify()
      await app.register(fastifyResilientCache, { config: { l2Url: redis.server.url, logger: silentLogger } })
      let runs = 0
      app.get('/stream', { config: { responseCache: true } }, async (_request, reply) => {
        runs++
        return reply.type('text/plain').send(Readable.from([`run ${runs}`]))
      })
      const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' })
      try {
        for (const run of [1, 2]) {
          const response = await fetch(`${baseUrl}/stream`)
          expect(response.headers.get('x-cache')).toBe('MISS')
          expect(await response.text()).toBe(`run ${run}`)
        }
        expect(app.responseCacheStats()).toMatchObject({ stored: 0, notStoredReasons: { stream: 2 } })
      } finally {
        await app.close()
      }
    })
  })
}
