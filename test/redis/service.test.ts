import { Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { CacheService, silentLogger } from '../../src/index.js'
import { getFreePort } from '../helpers/free-port.js'
import { RedisServer } from '../helpers/redis-server.js'
import { useServices, waitFor } from '../helpers/services.js'

const openService = useServices()
const servers: RedisServer[] = []

async function startServer(port?: number): Promise<RedisServer> {
  const server = new RedisServer(port === undefined ? {} : { port })
  servers.push(server)
  await server.start()
  return server
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()))
})

async function clientCount(server: RedisServer): Promise<number> {
  const list = await server.command('CLIENT', 'LIST')
  return list.split('\n').filter((line) => line.includes('addr=')).length
}

describe('connections', () => {
  it('shares one L2 connection across all caches of a service', async () => {
    const server = await startServer()
    const service = openService({ l2Url: server.url })
    const caches = ['a', 'b', 'c'].map((prefix) => service.createCache({ l2KeyPrefix: prefix }))
    await Promise.all(caches.map((cache, i) => cache.set('k', i)))
    // The harness's own command connection counts as one.
    expect(await clientCount(server)).toBe(2)
  })

  it('does not connect for L1-only caches', () => {
    const service = openService({ l2Port: 1 })
    service.createCache({ l2Enabled: false, l1Enabled: true })
    expect(service.getStats().l2.status).toBe('not_connected')
  })

  it('closes the connection it created', async () => {
    const server = await startServer()
    const service = new CacheService({ l2Url: server.url, logger: silentLogger })
    const cache = service.createCache({ l2KeyPrefix: 'c' })
    await cache.set('k', 1)
    await service.close()
    await waitFor(async () => (await clientCount(server)) === 1, 2000, 'the service connection to close')
  })

  it('leaves a passed-in client open and usable after close', async () => {
    const server = await startServer()
    const client = new Redis(server.url)
    try {
      const service = new CacheService({ l2Client: client, logger: silentLogger })
      const cache = service.createCache({ l2KeyPrefix: 'c' })
      await cache.set('k', 1)
      await service.close()
      expect(client.status).toBe('ready')
      expect(await client.exists('c::k')).toBe(1)
      expect(service.getStats().l2.ownsClient).toBe(false)
    } finally {
      await client.quit()
    }
  })

  it('rejects calls after close with code E_CLOSED, and close is idempotent', async () => {
    const server = await startServer()
    const service = new CacheService({ l2Url: server.url, logger: silentLogger })
    const cache = service.createCache({ l2KeyPrefix: 'c' })
    await service.close()
    await service.close()
    await expect(cache.get('k')).rejects.toMatchObject({ code: 'E_CLOSED' })
    expect(() => service.createCache({ l2KeyPrefix: 'd' })).toThrow(/closed/)
  })

  it('answers ping with true when Redis answers and false when it does not', async () => {
    const server = await startServer()
    const service = openService({ l2Url: server.url })
    expect(await service.ping()).toBe(true)
    await server.kill()
    expect(await service.ping()).toBe(false)
  })
})

describe('Redis down at start-up', () => {
  it('serves from L1, then uses L2 as soon as Redis answers, without a restart', async () => {
    const port = await getFreePort()
    const service = openService({ l2Port: port, l2Host: '127.0.0.1', circuitBreakerTimeout: 60 })
    const cache = service.createCache({ l2KeyPrefix: 'late', l1Enabled: true })

    await cache.set('written-while-down', 'v1')
    expect(await cache.get('written-while-down')).toBe('v1')
    expect(await cache.get('never-written')).toBeUndefined()

    const server = await startServer(port)
    // The breaker timeout is 60 s: recovery must come from the client's ready event, not from waiting.
    await waitFor(
      () => cache.getStats().l2.circuitBreaker.state === 'closed' && service.getStats().l2.connected,
    )
    await waitFor(() => cache.getStats().l2.pendingRepairs === 0, 5000, 'repairs to finish')
    await cache.set('written-after', 'v2')
    const raw = new Redis(server.url)
    try {
      expect(await raw.exists('late::written-after')).toBe(1)
    } finally {
      await raw.quit()
    }
  })
})

describe('outages', () => {
  it('opens the breaker after the threshold and keeps serving from L1', async () => {
    const server = await startServer()
    const service = openService({ l2Url: server.url, circuitBreakerThreshold: 2 })
    const cache = service.createCache({ l2KeyPrefix: 'o', l1Enabled: true })
    await cache.set('k', 'v')
    await server.kill()
    const opened = new Promise((resolve) => service.once('breaker:open', resolve))
    await cache.get('miss-1')
    await cache.get('miss-2')
    await opened
    expect(cache.getStats().l2.circuitBreaker.state).toBe('open')
    expect(await cache.get('k')).toBe('v')
    expect(await cache.get('miss-3')).toBeUndefined()
  })

  it('bounds a call to a hung Redis by l2CommandTimeout and counts the timeout', async () => {
    const server = await startServer()
    // No bus: its announcement of the set could meet the paused server too and count a second timeout.
    const service = openService({ l2Url: server.url, l2CommandTimeout: '100ms', invalidation: 'none' })
    const cache = service.createCache({ l2KeyPrefix: 'h' })
    await cache.set('k', 1)
    await server.pause()
    try {
      expect(await cache.get('k')).toBeUndefined()
      expect(cache.getStats().l2.timeouts).toBe(1)
    } finally {
      await server.resume()
    }
  })

  it('invalidates in L2 a write that timed out, once Redis answers again', async () => {
    const server = await startServer()
    const writerService = openService({
      l2Url: server.url,
      l2CommandTimeout: '100ms',
      circuitBreakerThreshold: 1,
    })
    const writer = writerService.createCache({ l2KeyPrefix: 'r', l1Enabled: true })
    const reader = openService({ l2Url: server.url }).createCache({ l2KeyPrefix: 'r' })
    await writer.set('k', 'old')
    await server.pause()
    await writer.set('k', 'new')
    expect(writer.getStats().l2.pendingRepairs).toBe(1)
    expect(writer.getStats().l2.circuitBreaker.state).toBe('open')
    const closed = new Promise((resolve) => writerService.once('breaker:close', resolve))
    await server.resume()
    // Long before the 60 s breaker timeout: the probe's late answer (or the next one) recovers.
    await closed
    expect(writer.getStats().l2.pendingRepairs).toBe(0)
    expect(await reader.get('k')).not.toBe('old')
  })

  it("emits 'repair' and 'resync' with their payloads after an outage, before 'breaker:close'", async () => {
    const server = await startServer()
    const service = openService({ l2Url: server.url, circuitBreakerThreshold: 1 })
    const cache = service.createCache({ l2KeyPrefix: 'ev', l1Enabled: true })
    await cache.set('kept', 1)
    await cache.set('gone', 2)
    await server.kill()
    await cache.delete('gone')
    expect(cache.getStats().l2.circuitBreaker.state).toBe('open')
    const events: Array<[string, unknown]> = []
    service.on('repair', (event) => events.push(['repair', event]))
    service.on('resync', (event) => events.push(['resync', event]))
    const closed = new Promise((resolve) => service.once('breaker:close', resolve))
    await server.restart()
    await closed
    // The bus's own connection came back too ('subscriber'); the outage's events come in this order.
    const outageEvents = events.filter(([, event]) => (event as { reason?: string }).reason !== 'subscriber')
    expect(outageEvents).toEqual([
      ['repair', { cache: 'ev', keys: 1, prefixCleared: false, durationMs: expect.any(Number) }],
      ['resync', { cache: 'ev', reason: 'breaker', l1ItemsDropped: expect.any(Number) }],
    ])
    expect(cache.getStats().l1.size).toBe(0)
    expect(cache.getStats().l2).toMatchObject({ pendingRepairs: 0, repairs: 1 })
  })

  it('keeps working when an event listener throws', async () => {
    const server = await startServer()
    const service = openService({ l2Url: server.url, circuitBreakerThreshold: 1 })
    const cache = service.createCache({ l2KeyPrefix: 'thrower', l1Enabled: true })
    service.on('breaker:open', () => {
      throw new Error('listener bug')
    })
    await server.kill()
    await expect(cache.set('k', 1)).resolves.toBeUndefined()
    expect(cache.getStats().l2.circuitBreaker.state).toBe('open')
    expect(await cache.get('k')).toBe(1)
  })
})

describe('backends', () => {
  it('runs a cache on the valkey backend (iovalkey) end to end', async () => {
    const server = await startServer()
    const a = openService({ l2Backend: 'valkey', l2Url: server.url }).createCache({ l2KeyPrefix: 'vk' })
    const b = openService({ l2Backend: 'redis', l2Url: server.url }).createCache({ l2KeyPrefix: 'vk' })
    await a.set('k', { via: 'iovalkey' })
    expect(await b.get('k')).toEqual({ via: 'iovalkey' })
    expect(a.getStats().l2.backend).toBe('valkey')
  })

  it('rejects an unknown backend name at construction, naming the option', () => {
    expect(() => openService({ l2Backend: 'memcached' })).toThrow(/l2Backend.*memcached/)
  })
})
