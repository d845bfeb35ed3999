import type { Server } from 'node:http'
import { serve } from '@hono/node-server'
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import { afterEach, describe, expect, it } from 'vitest'
import type { DashboardData } from '../../src/addons/dashboard/cache-dashboard.js'
import { ExpressCacheService } from '../../src/addons/integrations/express.js'
import resilientCache from '../../src/addons/integrations/fastify.js'
import { HonoCacheService } from '../../src/addons/integrations/hono.js'
import type { CacheService } from '../../src/index.js'
import { closeHttpServer, loopbackUrl } from '../helpers/http-server.js'
import { useRedisServer, useServices } from '../helpers/services.js'

const redis = useRedisServer()
const openService = useServices()
const cleanups: Array<() => Promise<void> | void> = []

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** Starts one framework's app on a service; `mount` says whether the dashboard is mounted. */
type StartDashboardApp = (service: CacheService, mount: boolean) => Promise<string>

const frameworks: Record<string, StartDashboardApp> = {
  express: async (service, mount) => {
    const integration = new ExpressCacheService({ service })
    const app = express()
    integration.initApp(app)
    if (mount) app.use('/cache/dashboard', integration.dashboard())
    const server = app.listen(0, '127.0.0.1')
    cleanups.push(() => integration.close())
    cleanups.push(() => closeHttpServer(server))
    return loopbackUrl(server)
  },
  fastify: async (service, mount) => {
    const app = Fastify()
    await app.register(resilientCache, { service, ...(mount ? { dashboard: true } : {}) })
    const url = await app.listen({ port: 0, host: '127.0.0.1' })
    cleanups.push(() => app.close())
    return url
  },
  hono: async (service, mount) => {
    const integration = new HonoCacheService({ service })
    const app = new Hono()
    if (mount) app.route('/cache/dashboard', integration.dashboard())
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server
    cleanups.push(() => integration.close())
    cleanups.push(() => closeHttpServer(server))
    return loopbackUrl(server)
  },
}

/** A service with a two-level cache that saw 2 L1 hits and 2 misses, under keys to look for. */
async function busyService(): Promise<CacheService> {
  const service = openService({ l2Url: redis.server.url })
  const users = service.createCache({ l2KeyPrefix: 'users', l1Enabled: true, l1MaxSize: 10 })
  service.createCache({ l2KeyPrefix: 'sessions' })
  await users.set('secret-key', 'secret-value')
  await users.get('secret-key')
  await users.get('secret-key')
  await users.get('absent-1')
  await users.get('absent-2')
  return service
}

describe.each(Object.entries(frameworks))('the dashboard mounted by %s', (_name, start) => {
  it('serves the page with a strict Content-Security-Policy, uncached', async () => {
    const baseUrl = await start(await busyService(), true)
    const response = await fetch(`${baseUrl}/cache/dashboard`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(response.headers.get('cache-control')).toBe('no-store')
    const csp = response.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("default-src 'none'")
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/)
    expect(csp).toContain("frame-ancestors 'none'")
    const html = await response.text()
    expect(html).toContain('<title>resilient-cache dashboard</title>')
    // Everything is inline: nothing is loaded from elsewhere.
    expect(html).not.toMatch(/<script[^>]*\ssrc=|<link[^>]*stylesheet|@import|url\(|(?:src|href)="https?:/)
  })

  it('serves the live data as JSON: per cache hit rate, L1 fill, latency, breaker, repairs, invalidations; no keys', async () => {
    const baseUrl = await start(await busyService(), true)
    const response = await fetch(`${baseUrl}/cache/dashboard/data.json`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(response.headers.get('cache-control')).toBe('no-store')
    const text = await response.text()
    expect(text).not.toContain('secret')
    const data = JSON.parse(text) as DashboardData
    expect(data.service.l2).toMatchObject({ backend: 'redis', connected: true })
    expect(data.caches.map((cache) => cache.name)).toEqual(['users', 'sessions'])
    const users = data.caches[0]
    expect(users?.hitRate).toEqual({ total: 0.5, lookups: 4 })
    expect(users?.l1).toEqual({ enabled: true, size: 1, maxSize: 10, usagePercent: 10 })
    expect(users?.l2).toMatchObject({ enabled: true, pendingRepairs: 0, repairs: 0, misses: 2 })
    expect(users?.l2.breaker).toEqual({ state: 'closed', failureCount: 0, history: [] })
    expect(users?.invalidation).toMatchObject({ mode: 'bus' })
  })

  it('is read-only, and absent unless mounted', async () => {
    const mounted = await start(await busyService(), true)
    const post = await fetch(`${mounted}/cache/dashboard/data.json`, { method: 'POST' })
    expect(post.status).toBeGreaterThanOrEqual(404)
    expect(post.status).toBeLessThan(500)
    const head = await fetch(`${mounted}/cache/dashboard`, { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(await head.text()).toBe('')

    const unmounted = await start(openService({ l2Url: redis.server.url }), false)
    expect((await fetch(`${unmounted}/cache/dashboard`)).status).toBe(404)
    expect((await fetch(`${unmounted}/cache/dashboard/data.json`)).status).toBe(404)
  })
})

describe('the dashboard in a Fastify app', () => {
  it('is served at the path given in the plugin options', async () => {
    const app = Fastify()
    await app.register(resilientCache, {
      service: await busyService(),
      dashboard: { path: '/admin/cache/', refreshInterval: 5 },
    })
    const url = await app.listen({ port: 0, host: '127.0.0.1' })
    cleanups.push(() => app.close())
    const page = await fetch(`${url}/admin/cache`)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('data-refresh-ms="5000"')
    expect((await fetch(`${url}/admin/cache/data.json`)).status).toBe(200)
  })

  it('rejects invalid dashboard options at boot, naming them', async () => {
    const app = Fastify()
    cleanups.push(() => app.close())
    await expect(
      app.register(resilientCache, { service: await busyService(), dashboard: { sampleInterval: -1 } }),
    ).rejects.toThrow(/dashboard\.sampleInterval/)
  })
})
