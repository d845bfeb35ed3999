import { tracingChannel } from 'node:diagnostics_channel'
import { once } from 'node:events'
import { Writable } from 'node:stream'
import pino from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import {
  type CacheService,
  type HitEvent,
  L2_TRACING_CHANNEL,
  type L2TraceContext,
  type Logger,
  type ResilientTwoLevelCache,
} from '../../src/index.js'
import { RedisServer } from '../helpers/redis-server.js'
import { useServices, waitFor } from '../helpers/services.js'

const openService = useServices()
const servers: RedisServer[] = []

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()))
})

/** A server of the test's own, which the test may stop, pause or restart. */
async function startServer(): Promise<RedisServer> {
  const server = new RedisServer()
  servers.push(server)
  await server.start()
  return server
}

/** Records every event of the given names, in order, as [name, payload]. */
function record(
  emitter: CacheService | ResilientTwoLevelCache<unknown>,
  names: readonly string[],
): Array<[string, unknown]> {
  const seen: Array<[string, unknown]> = []
  for (const name of names) {
    ;(emitter as unknown as NodeJS.EventEmitter).on(name, (payload: unknown) => seen.push([name, payload]))
  }
  return seen
}

const DATA_EVENTS = ['hit', 'miss', 'set', 'delete', 'clear', 'l2:error', 'invalidation']

describe('cache events', () => {
  it('reports hit (with its layer), miss, set, delete and clear with their payloads, on the cache and on the service', async () => {
    const server = await startServer()
    const service = openService({ l2Url: server.url })
    const cache = service.createCache<{ secret: string }>({ l2KeyPrefix: 'ev', l1Enabled: true })
    const onCache = record(cache, DATA_EVENTS)
    const onService = record(service, DATA_EVENTS)

    await cache.set('a', { secret: 'value-a' })
    await cache.get('a')
    await cache.get('absent')
    await server.command('SET', 'ev::raw', 'x')
    const reader = openService({ l2Url: server.url }).createCache({ l2KeyPrefix: 'ev', l1Enabled: true })
    const readerEvents = record(reader, ['hit'])
    await reader.get('a')
    await cache.delete('a')
    await cache.clear()

    const expected = [
      ['set', { cache: 'ev', key: 'a', l2Written: true }],
      ['hit', { cache: 'ev', key: 'a', layer: 'l1' }],
      ['miss', { cache: 'ev', key: 'absent' }],
      ['delete', { cache: 'ev', key: 'a', removed: true }],
      ['clear', { cache: 'ev', l1ItemsRemoved: 0, l2ItemsRemoved: 1, l2Cleared: true }],
    ]
    expect(onCache).toEqual(expected)
    expect(onService).toEqual(expected)
    expect(readerEvents).toEqual([['hit', { cache: 'ev', key: 'a', layer: 'l2' } satisfies HitEvent]])
    // Payloads name keys (events stay in the process), never values.
    expect(JSON.stringify([onCache, readerEvents])).not.toContain('value-a')
  })

  it('reports the L2 hit, the miss and the load of getOrSet, and a set that only reached L1', async () => {
    const server = await startServer()
    const service = openService({ l2Url: server.url, circuitBreakerThreshold: 1 })
    const cache = service.createCache<number>({ l2KeyPrefix: 'gos', l1Enabled: true })
    const seen = record(cache, ['hit', 'miss', 'set'])
    await cache.getOrSet('k', () => 1)
    await cache.getOrSet('k', () => 2)
    await server.kill()
    await cache.set('during-outage', 3)
    expect(seen).toEqual([
      ['miss', { cache: 'gos', key: 'k' }],
      ['set', { cache: 'gos', key: 'k', l2Written: true }],
      ['hit', { cache: 'gos', key: 'k', layer: 'l1' }],
      ['set', { cache: 'gos', key: 'during-outage', l2Written: false }],
    ])
  })

  it('reports L2 failures as l2:error (decode, error, timeout) without breaking events.once on another event', async () => {
    const server = await startServer()
    const service = openService({
      l2Url: server.url,
      l2CommandTimeout: '100ms',
      circuitBreakerThreshold: 2,
      invalidation: 'none',
    })
    const cache = service.createCache({ l2KeyPrefix: 'err', l1Enabled: true })
    const errors: unknown[] = []
    cache.on('l2:error', (event) => errors.push({ ...event, error: event.error.name }))
    await server.command('SET', 'err::corrupt', 'not an entry')
    await server.command('HSET', 'err::wrong-type', 'field', 'value')
    // once() rejects on an 'error' event: a failure absorbed by the cache must not look like one.
    const opened = once(service, 'breaker:open')
    expect(await cache.get('corrupt')).toBeUndefined()
    expect(await cache.get('wrong-type')).toBeUndefined()
    await server.pause()
    try {
      expect(await cache.get('hung')).toBeUndefined()
    } finally {
      await server.resume()
    }
    const [breakerEvent] = await opened
    expect(breakerEvent).toEqual({ breaker: 'service', state: 'open', previous: 'closed' })
    expect(errors).toEqual([
      { cache: 'err', operation: 'get', kind: 'decode', error: 'EntryDecodeError' },
      { cache: 'err', operation: 'get', kind: 'error', error: 'ReplyError' },
      { cache: 'err', operation: 'get', kind: 'timeout', error: 'CacheTimeoutError' },
    ])
  })

  it('reports breaker transitions on every cache that uses the breaker, and repair and resync on the cache', async () => {
    const server = await startServer()
    const service = openService({ l2Url: server.url, circuitBreakerThreshold: 1 })
    const cache = service.createCache({ l2KeyPrefix: 'br', l1Enabled: true })
    const other = service.createCache({ l2KeyPrefix: 'br2' })
    const names = ['breaker:open', 'breaker:half_open', 'breaker:close', 'repair', 'resync']
    const onCache = record(cache, names)
    const onOther = record(other, ['breaker:open'])
    const onService = record(service, ['breaker:open'])
    await server.kill()
    await cache.set('k', 1)
    const closed = once(cache, 'breaker:close')
    await server.restart()
    await closed
    const outage = onCache.filter(([, event]) => (event as { reason?: string }).reason !== 'subscriber')
    expect(outage).toEqual([
      ['breaker:open', { breaker: 'service', state: 'open', previous: 'closed' }],
      ['breaker:half_open', { breaker: 'service', state: 'half_open', previous: 'open' }],
      ['repair', { cache: 'br', keys: 1, prefixCleared: false, durationMs: expect.any(Number) }],
      ['resync', { cache: 'br', reason: 'breaker', l1ItemsDropped: 1 }],
      ['breaker:close', { breaker: 'service', state: 'closed', previous: 'half_open' }],
    ])
    expect(onOther).toEqual([['breaker:open', { breaker: 'service', state: 'open', previous: 'closed' }]])
    // The service reports each transition once, not once per cache.
    expect(onService).toHaveLength(1)
  })

  it('reports an invalidation received from another instance, with its source and the L1 entries dropped', async () => {
    const server = await startServer()
    const writer = openService({ l2Url: server.url }).createCache({ l2KeyPrefix: 'inv', l1Enabled: true })
    const readerService = openService({ l2Url: server.url })
    const reader = readerService.createCache({ l2KeyPrefix: 'inv', l1Enabled: true })
    // Both bus subscriptions are in place before the first write (they are made in the background).
    await waitFor(async () => {
      const clients = (await server.command('CLIENT', 'LIST')).split('\n')
      return clients.filter((line) => / sub=[1-9]/.test(line)).length >= 2
    })
    await writer.set('k', 1)
    await waitFor(() => reader.getStats().invalidation.messagesReceived === 1, 2000, 'the first message')
    expect(await reader.get('k')).toBe(1)
    const received = once(readerService, 'invalidation')
    await writer.set('k', 2)
    expect(await received).toEqual([{ cache: 'inv', source: 'bus', keys: ['k'], l1ItemsDropped: 1 }])
  })

  it('stops building events when the last listener goes, and starts again after removeAllListeners()', async () => {
    const service = openService()
    const cache = service.createCache({ l2Enabled: false, l1Enabled: true })
    await cache.set('k', 1)
    const hits: unknown[] = []
    const listener = (event: HitEvent) => hits.push(event)
    cache.on('hit', listener)
    await cache.get('k')
    cache.off('hit', listener)
    await cache.get('k')
    cache.removeAllListeners()
    service.removeAllListeners()
    cache.once('hit', listener)
    await cache.get('k')
    await cache.get('k')
    service.on('hit', listener)
    await cache.get('k')
    expect(hits).toHaveLength(3)
  })

  it('keeps serving when a cache event listener throws', async () => {
    const service = openService()
    const cache = service.createCache<number>({ l2Enabled: false, l1Enabled: true })
    cache.on('set', () => {
      throw new Error('listener bug')
    })
    await expect(cache.set('k', 1)).resolves.toBeUndefined()
    expect(await cache.get('k')).toBe(1)
  })
})

describe('L2 tracing (node:diagnostics_channel)', () => {
  it('publishes each L2 operation with cache, breaker, backend, outcome and duration, never the key or value', async () => {
    const server = await startServer()
    const service = openService({ l2Url: server.url, circuitBreakerThreshold: 1, invalidation: 'none' })
    const cache = service.createCache({ l2KeyPrefix: 'trace' })
    await service.ping()
    const started: string[] = []
    const ended: L2TraceContext[] = []
    const failed: L2TraceContext[] = []
    const channel = tracingChannel<unknown, L2TraceContext>(L2_TRACING_CHANNEL)
    const handlers = {
      start: (context: L2TraceContext) => started.push(context.operation),
      end: () => {},
      asyncStart: () => {},
      asyncEnd: (context: L2TraceContext) => ended.push({ ...context }),
      error: (context: L2TraceContext) => failed.push({ ...context }),
    }
    channel.subscribe(handlers)
    try {
      await cache.set('user:secret-key', 'secret-value')
      await cache.get('user:secret-key')
      await server.kill()
      await cache.get('user:secret-key')
    } finally {
      channel.unsubscribe(handlers)
    }
    expect(started).toEqual(['set', 'get', 'get'])
    expect(ended.map(({ operation, outcome }) => [operation, outcome])).toEqual([
      ['set', 'ok'],
      ['get', 'ok'],
      ['get', 'error'],
    ])
    for (const context of ended) {
      expect(context).toMatchObject({ cache: 'trace', breaker: 'service', backend: 'redis' })
      expect(context.durationMs).toBeGreaterThanOrEqual(0)
      // tracePromise puts the command's result on the context: ours resolves to nothing, never the value.
      expect((context as { result?: unknown }).result).toBeUndefined()
    }
    expect(failed).toHaveLength(1)
    expect(failed[0]?.error).toBeInstanceOf(Error)
    const published = JSON.stringify([ended, failed, failed.map((context) => context.error?.message)])
    expect(published).not.toContain('secret')
  })

  it('reports timeouts as such, and traces the recovery probes and repairs of the service', async () => {
    const server = await startServer()
    // No bus: the announcement of the first set could be the first operation traced (or time out).
    const service = openService({
      l2Url: server.url,
      l2CommandTimeout: '100ms',
      circuitBreakerThreshold: 1,
      invalidation: 'none',
    })
    const cache = service.createCache({ l2KeyPrefix: 'probe', l1Enabled: true })
    await cache.set('k', 1)
    const operations: Array<[string, string | undefined, string | undefined]> = []
    service.on('l2:operation', (event) => operations.push([event.operation, event.cache, event.outcome]))
    await server.pause()
    await cache.set('k', 2)
    const closed = once(service, 'breaker:close')
    await server.resume()
    await closed
    expect(operations[0]).toEqual(['set', 'probe', 'timeout'])
    expect(operations).toContainEqual(['ping', undefined, 'ok'])
    expect(operations).toContainEqual(['repair', 'probe', 'ok'])
  })

  it('measures nothing while nobody listens: no l2:operation event before the first listener', async () => {
    const server = await startServer()
    const service = openService({ l2Url: server.url, invalidation: 'none' })
    const cache = service.createCache({ l2KeyPrefix: 'quiet' })
    await cache.set('before', 1)
    const seen: string[] = []
    const listener = (event: { operation: string }) => seen.push(event.operation)
    service.on('l2:operation', listener)
    await cache.get('before')
    service.off('l2:operation', listener)
    await cache.get('before')
    expect(seen).toEqual(['get'])
  })
})

/** A pino logger writing JSON lines into an array. */
function pinoInto(lines: Array<{ level: number; msg: string } & Record<string, unknown>>): Logger {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line !== '') lines.push(JSON.parse(line))
      done()
    },
  })
  return pino({ level: 'debug' }, sink)
}

describe('a pino logger', () => {
  it('receives the breaker transitions (open at warn) and the repair (info), and nothing from a healthy data path', async () => {
    const server = await startServer()
    const lines: Array<{ level: number; msg: string } & Record<string, unknown>> = []
    const service = openService({ l2Url: server.url, circuitBreakerThreshold: 1, logger: pinoInto(lines) })
    const cache = service.createCache({ l2KeyPrefix: 'log', l1Enabled: true })
    for (let i = 0; i < 20; i++) {
      await cache.set(`k${i}`, i)
      await cache.get(`k${i}`)
      await cache.get(`absent${i}`)
    }
    expect(lines).toEqual([])
    await server.kill()
    await cache.set('k0', 'during the outage')
    const closed = once(service, 'breaker:close')
    await server.restart()
    await closed
    const WARN = 40
    const INFO = 30
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: WARN,
        msg: 'L2 circuit breaker opened: serving from L1',
        state: 'open',
      }),
    )
    expect(lines).toContainEqual(
      // The outage's write, and possibly the announcement of the last write before it (the bus sends it
      // in the background): one or two keys.
      expect.objectContaining({
        level: INFO,
        msg: 'L2 repaired after an outage',
        cache: 'log',
        keys: expect.any(Number),
      }),
    )
    expect(lines).toContainEqual(
      expect.objectContaining({ level: INFO, msg: 'L2 circuit breaker closed: L2 is back', state: 'closed' }),
    )
    expect(JSON.stringify(lines)).not.toContain('during the outage')
  })
})
