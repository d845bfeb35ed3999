import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { useRawClient, useRedisServer } from '../helpers/services.js'
import { TsProcess } from '../helpers/ts-process.js'

const redis = useRedisServer()
const raw = useRawClient(redis)

/** Starts examples/nestjs (its tsconfig turns on Nest's decorators) and resolves its base URL. */
async function startNestExample(running: TsProcess[]): Promise<{ app: TsProcess; baseUrl: string }> {
  const app = new TsProcess('examples/nestjs/main.ts', {
    PORT: '0',
    CACHE_REDIS_URL: redis.server.url,
    TSX_TSCONFIG_PATH: 'examples/nestjs/tsconfig.json',
  })
  running.push(app)
  // Nest's start-up under tsx (compiling the example and Nest's ESM graph) is slower than the other
  // frameworks' examples: more room on a busy machine.
  const [, baseUrl] = await app.waitForOutput(/listening on (http:\/\/127\.0\.0\.1:\d+)/, 40_000)
  return { app, baseUrl: baseUrl as string }
}

describe('NestJS example (CacheModule.register with the Keyv store, CacheInterceptor)', () => {
  const running: TsProcess[] = []
  beforeEach(async () => {
    await raw.client.flushall()
  })
  afterEach(async () => {
    await Promise.all(running.splice(0).map((app) => app.stop('SIGKILL')))
  })

  it('caches GET responses in Redis through the interceptor, shares them across instances, and closes the service on SIGTERM', {
    timeout: 90_000,
  }, async () => {
    const first = await startNestExample(running)
    const product = async (baseUrl: string) => (await fetch(`${baseUrl}/products/1`)).json()

    const fromTable = await product(first.baseUrl)
    expect(fromTable).toMatchObject({ id: 1, name: 'Keyboard' })
    expect(await product(first.baseUrl)).toEqual(fromTable)
    expect(await raw.client.exists('products::keyv:/products/1')).toBe(1)
    const stats = await (await fetch(`${first.baseUrl}/cache/stats`)).json()
    expect(stats).toMatchObject({ l1: { hits: 1 } })

    // Another instance (its own table and L1) answers from the shared L2.
    const second = await startNestExample(running)
    expect(await product(second.baseUrl)).toEqual(fromTable)

    const missing = await fetch(`${first.baseUrl}/products/99`)
    expect(missing.status).toBe(404)
    expect(await raw.client.exists('products::keyv:/products/99')).toBe(0)

    expect((await fetch(`${first.baseUrl}/products/1/cache`, { method: 'DELETE' })).status).toBe(204)
    expect(await raw.client.exists('products::keyv:/products/1')).toBe(0)
    const reloaded = (await product(first.baseUrl)) as { tableReads: number }
    expect(reloaded.tableReads).toBeGreaterThan((fromTable as { tableReads: number }).tableReads)

    expect(await first.app.stop('SIGTERM')).toBe(0)
    expect(first.app.output).toContain('cache service closed')
    expect(first.app.output).toContain('stopped')
  })

  it('keeps answering over HTTP within l2CommandTimeout when Redis is killed mid-test', {
    timeout: 90_000,
  }, async () => {
    const { baseUrl } = await startNestExample(running)
    const warm = await (await fetch(`${baseUrl}/products/1`)).json()
    // The example's l2CommandTimeout (200 ms), plus what an HTTP round trip through Nest may take on a
    // shared machine.
    const boundMs = 200 + 300
    try {
      await redis.server.kill()
      for (const path of ['/products/1', '/products/2', '/products/2']) {
        const startedAt = performance.now()
        const response = await fetch(`${baseUrl}${path}`)
        expect(performance.now() - startedAt).toBeLessThan(boundMs)
        expect(response.status).toBe(200)
        if (path === '/products/1') expect(await response.json()).toEqual(warm)
        else expect(await response.json()).toMatchObject({ id: 2, name: 'Monitor' })
      }
    } finally {
      await redis.server.restart()
    }
  })
})
