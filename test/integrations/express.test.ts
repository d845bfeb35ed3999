import type { Response } from 'express'
import { describe, expect, it } from 'vitest'
import { ExpressCacheService, getCacheService } from '../../src/addons/integrations/express.js'
import { isCacheConfigurationError } from '../../src/index.js'
import { silentLogger } from '../../src/kernel/logger.js'
import { configError } from '../helpers/config-error.js'
import { useRedisServer } from '../helpers/services.js'
import {
  type FrameworkUnderTest,
  ROUTE_CACHE_OPTIONS,
  type RouteReply,
  serverAppUnderTest,
} from './app-harness.js'
import { EXPRESS_MAJORS } from './framework-majors.js'
import { describeIntegration } from './integration-suite.js'

function send(res: Response, reply: RouteReply): void {
  res.status(reply.status).set(reply.headers)
  if ('json' in reply) res.json(reply.json)
  else res.send(typeof reply.body === 'string' ? reply.body : Buffer.from(reply.body))
}

/** The shared suite's handle on apps of this Express module (either major). */
function expressUnderTest(express: (typeof EXPRESS_MAJORS)[number]['module']): FrameworkUnderTest {
  return {
    async start(routes, config) {
      const app = express()
      const cache = new ExpressCacheService({ config })
      cache.initApp(app)
      for (const { path, produce } of routes.cached) {
        app.get(path, cache.responseCache(ROUTE_CACHE_OPTIONS), async (req, res) => {
          send(res, await produce(new URLSearchParams(req.query as Record<string, string>)))
        })
      }
      app.get('/user/:id', async (req, res) =>
        send(res, await routes.readUser(getCacheService(req), req.params.id)),
      )
      app.post('/user/:id', async (req, res) =>
        send(
          res,
          await routes.renameUser(getCacheService(req.app), req.params.id, req.get('x-new-name') ?? ''),
        ),
      )
      app.get('/health', cache.healthHandler())
      const server = app.listen(0, '127.0.0.1')
      return serverAppUnderTest(server, cache)
    },
    async boot(options) {
      const cache = new ExpressCacheService(options)
      return { service: cache.initApp(express()), close: () => cache.close() }
    },
  }
}

for (const { label, module: express } of EXPRESS_MAJORS) {
  describeIntegration(label, expressUnderTest(express))

  describe(`${label}: app settings and wiring`, () => {
    const redis = useRedisServer()

    it('reads CACHE_* app settings, which win over the environment', async () => {
      const app = express()
      app.set('CACHE_REDIS_URL', redis.server.url)
      app.set('CACHE_REDIS_COMMAND_TIMEOUT', '250ms')
      const cache = new ExpressCacheService({
        env: { CACHE_REDIS_URL: 'redis://127.0.0.1:1/0', CACHE_CIRCUIT_BREAKER_THRESHOLD: '3' },
        config: { logger: silentLogger },
      })
      const service = cache.initApp(app)
      try {
        expect(service.config.resolved.l2Url).toBe(redis.server.url)
        expect(service.config.resolved.l2CommandTimeoutMs).toBe(250)
        expect(service.config.resolved.circuitBreakerThreshold).toBe(3)
        expect(await service.ping()).toBe(true)
        expect(getCacheService(app)).toBe(service)
      } finally {
        await cache.close()
      }
    })

    it('takes typed values in settings, as app.set() may hold them', async () => {
      const app = express()
      app.set('CACHE_REDIS_PORT', redis.server.port)
      app.set('CACHE_REDIS_HOST', '127.0.0.1')
      app.set('CACHE_CIRCUIT_BREAKER_ENABLED', false)
      const cache = new ExpressCacheService({ env: {}, config: { logger: silentLogger } })
      const service = cache.initApp(app)
      try {
        expect(service.config.resolved.circuitBreakerEnabled).toBe(false)
        expect(await service.ping()).toBe(true)
      } finally {
        await cache.close()
      }
    })

    it('fails initApp with CacheConfigurationError naming a bad setting', () => {
      const app = express()
      app.set('CACHE_REDIS_PORT', 'abc')
      const error = configError(() => new ExpressCacheService({ env: {} }).initApp(app))
      expect(error.field).toBe('CACHE_REDIS_PORT')
    })

    it('fails at start-up on invalid response caching options', async () => {
      const cache = new ExpressCacheService({ config: { logger: silentLogger } })
      cache.initApp(express())
      expect(configError(() => cache.responseCache({ maxBodyBytes: -1 })).field).toBe(
        'responseCache.maxBodyBytes',
      )
      await cache.close()
    })

    it('refuses a second service on one app', async () => {
      const app = express()
      const first = new ExpressCacheService({ config: { logger: silentLogger } })
      first.initApp(app)
      try {
        expect(() => new ExpressCacheService({ config: { logger: silentLogger } }).initApp(app)).toThrow(
          /already has a cache service/,
        )
      } finally {
        await first.close()
      }
    })

    it('shares the service with mounted sub-apps', async () => {
      const app = express()
      const admin = express()
      app.use('/admin', admin)
      const cache = new ExpressCacheService({ config: { logger: silentLogger } })
      const service = cache.initApp(app)
      expect(getCacheService(admin)).toBe(service)
      await cache.close()
    })

    it('says to call initApp when getCacheService finds no service', () => {
      let thrown: unknown
      try {
        getCacheService(express())
      } catch (error) {
        thrown = error
      }
      expect(isCacheConfigurationError(thrown)).toBe(false)
      expect(String(thrown)).toContain('initApp')
    })
  })
}
