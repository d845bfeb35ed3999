import { describe, expect, it } from 'vitest'
import type { LoadErrorEvent, LoadEvent, StaleEvent } from '../../src/index.js'
import { FakeClock } from '../helpers/fake-clock.js'
import { useRedisServer, useServices } from '../helpers/services.js'

const redis = useRedisServer()
const openService = useServices()

describe('loading events', () => {
  it('reports load, load:error and stale with their payloads, on the cache and on the service, while listened to', async () => {
    const clock = new FakeClock()
    const service = openService({ l2Url: redis.server.url }, { clock })
    const cache = service.createCache<string>({ l2KeyPrefix: 'load-events', l1Enabled: true, grace: '1h' })
    const onCache: Array<[string, LoadEvent | LoadErrorEvent | StaleEvent]> = []
    const onService: string[] = []
    const load = (event: LoadEvent) => onCache.push(['load', event])
    const loadError = (event: LoadErrorEvent) => onCache.push(['load:error', event])
    const stale = (event: StaleEvent) => onCache.push(['stale', event])
    cache.on('load', load).on('load:error', loadError).on('stale', stale)
    service.on('stale', (event) => onService.push(`${event.cache}:${event.reason}`))

    await cache.getOrSet('k', () => 'v1', { ttl: 10 })
    clock.advance(12_000)
    const failure = new Error('source down')
    expect(
      await cache.getOrSet('k', () => {
        throw failure
      }),
    ).toBe('v1')

    expect(onCache).toEqual([
      [
        'load',
        { cache: 'load-events', key: 'k', trigger: 'miss', durationMs: expect.any(Number), stored: true },
      ],
      ['load:error', { cache: 'load-events', key: 'k', trigger: 'miss', error: failure }],
      ['stale', { cache: 'load-events', key: 'k', reason: 'error', expiredForMs: 2000 }],
    ])
    expect(onService).toEqual(['load-events:error'])

    cache.off('load', load).off('load:error', loadError).off('stale', stale)
    await cache.getOrSet('other', () => 'v')
    expect(onCache).toHaveLength(3)
  })
})
