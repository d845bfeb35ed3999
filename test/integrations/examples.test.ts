import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { useRedisServer } from '../helpers/services.js'
import { TsProcess } from '../helpers/ts-process.js'

const redis = useRedisServer()

describe('web examples', () => {
  let running: TsProcess | undefined
  beforeEach(async () => {
    await redis.server.command('FLUSHALL')
  })
  afterEach(async () => {
    await running?.stop('SIGKILL')
    running = undefined
  })

  it.each(['express', 'fastify', 'hono'])(
    'examples/%s-usage.ts serves the /user flow, a cached route, health, metrics and dashboard, and stops on SIGTERM',
    { timeout: 40_000 },
    async (framework) => {
      running = new TsProcess(`examples/${framework}-usage.ts`, {
        PORT: '0',
        CACHE_REDIS_URL: redis.server.url,
      })
      const [, baseUrl] = await running.waitForOutput(/listening on (http:\/\/127\.0\.0\.1:\d+)/)
      expect(running.output).toContain(`L2: the Redis at CACHE_REDIS_URL (${redis.server.url})`)
      const json = async (path: string, init?: RequestInit) => (await fetch(`${baseUrl}${path}`, init)).json()

      expect(await json('/user/1')).toMatchObject({ user: { name: 'Ada' }, source: 'database' })
      expect(await json('/user/1')).toMatchObject({ user: { name: 'Ada' }, source: 'cache' })
      expect(await redis.server.command('EXISTS', 'users::user_1')).toBe('1')
      const update = {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: '{"name":"Ada L."}',
      }
      expect(await json('/user/1', update)).toMatchObject({ updated: { name: 'Ada L.' } })
      expect(await json('/user/1')).toMatchObject({ user: { name: 'Ada L.' }, source: 'database' })

      const products = [await fetch(`${baseUrl}/products`), await fetch(`${baseUrl}/products`)]
      expect(products.map((response) => response.headers.get('x-cache'))).toEqual(['MISS', 'HIT'])
      expect(await products[1]?.json()).toEqual(await products[0]?.json())

      const health = await fetch(`${baseUrl}/health/cache`)
      expect(health.status).toBe(200)
      expect(await health.json()).toMatchObject({ status: 'healthy' })

      const metrics = await (await fetch(`${baseUrl}/metrics`)).text()
      expect(metrics).toMatch(
        /^resilient_cache_operations_total\{cache="users",layer="l1",result="hit"\} 1$/m,
      )
      const dashboard = await fetch(`${baseUrl}/cache/dashboard`)
      expect(dashboard.status).toBe(200)
      expect(await dashboard.text()).toContain('<title>resilient-cache dashboard</title>')
      const data = (await (await fetch(`${baseUrl}/cache/dashboard/data.json`)).json()) as {
        caches: Array<{ name: string }>
      }
      expect(data.caches.map((cache) => cache.name)).toContain('users')

      expect(await running.stop('SIGTERM')).toBe(0)
      expect(running.output).toContain('stopped')
    },
  )
})
