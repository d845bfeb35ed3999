import type { Server } from 'node:http'
import { serve } from '@hono/node-server'
import { type Context, Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { type CacheEnv, HonoCacheService } from '../../src/addons/integrations/hono.js'
import { silentLogger } from '../../src/kernel/logger.js'
import { configError } from '../helpers/config-error.js'
import {
  type FrameworkUnderTest,
  ROUTE_CACHE_OPTIONS,
  type RouteReply,
  serverAppUnderTest,
} from './app-harness.js'
import { describeIntegration } from './integration-suite.js'

function send(c: Context, reply: RouteReply): Response {
  if ('json' in reply) return c.json(reply.json, reply.status as 200, reply.headers)
  const body = typeof reply.body === 'string' ? reply.body : Uint8Array.from(reply.body).buffer
  return c.body(body, reply.status as 200, reply.headers)
}

const honoUnderTest: FrameworkUnderTest = {
  async start(routes, config) {
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
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server
    return serverAppUnderTest(server, cache)
  },
  async boot(options) {
    const cache = new HonoCacheService(options)
    return { service: cache.service, close: () => cache.close() }
  },
}

describeIntegration('Hono', honoUnderTest)

describe('Hono: middleware', () => {
  it('sets c.var.cacheService for the handlers behind it', async () => {
    const cache = new HonoCacheService({ config: { logger: silentLogger } })
    const app = new Hono<CacheEnv>()
    app.use(cache.middleware())
    app.get('/same', (c) => c.text(String(c.var.cacheService === cache.service)))
    const response = await app.request('/same')
    expect(await response.text()).toBe('true')
    await cache.close()
  })

  it('fails at start-up on invalid response caching options', async () => {
    const cache = new HonoCacheService({ config: { logger: silentLogger } })
    expect(configError(() => cache.responseCache({ headers: ['no spaces'] })).field).toBe(
      'responseCache.headers',
    )
    await cache.close()
  })
})
