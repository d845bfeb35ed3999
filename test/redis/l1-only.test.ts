import { describe, expect, it } from 'vitest'
import { getFreePort } from '../helpers/free-port.js'
import { registerInstrumentedBackend } from '../helpers/instrumented-backend.js'
import { recordingLogger } from '../helpers/recording-logger.js'
import { RedisServer } from '../helpers/redis-server.js'
import { runTsScript } from '../helpers/run-script.js'
import { useServices } from '../helpers/services.js'

const openService = useServices()

describe('L1-only caches', () => {
  it('never connect, even with an l2KeyPrefix, when Redis is not there: no warnings', async () => {
    const logger = recordingLogger()
    // A port nobody listens on: any connection attempt would log a connection error.
    const service = openService({ l2Port: await getFreePort(), logger })
    const plain = service.createCache<number>({ l2Enabled: false, l1Enabled: true })
    const prefixed = service.createCache<number>({ l2Enabled: false, l1Enabled: true, l2KeyPrefix: 'x' })
    for (const cache of [plain, prefixed]) {
      await cache.set('k', 1)
      expect(await cache.get('k')).toBe(1)
      expect(await cache.getOrSet('other', () => 2)).toBe(2)
      await cache.delete('k')
    }
    expect(service.getStats().l2.status).toBe('not_connected')
    expect(service.getStats().caches.x?.invalidation.mode).toBe('none')
    expect(logger.problems()).toEqual([])
  })

  it('never ask the backend factory for a backend; the first cache with L2 does', async () => {
    const server = new RedisServer()
    await server.start()
    try {
      const { name, log } = registerInstrumentedBackend()
      const logger = recordingLogger()
      const service = openService({ l2Url: server.url, l2Backend: name, logger })
      const l1Only = service.createCache<number>({
        l2Enabled: false,
        l1Enabled: true,
        l2KeyPrefix: 'x',
        invalidation: 'bus',
      })
      await l1Only.set('k', 1)
      expect(await l1Only.get('k')).toBe(1)
      expect(log.backendsCreated).toBe(0)
      expect(log.started).toEqual({})

      const withL2 = service.createCache<number>({ l2KeyPrefix: 'y' })
      await withL2.set('k', 2)
      expect(log.backendsCreated).toBe(1)
      expect(log.started.set).toBe(1)
      expect(logger.problems()).toEqual([])
    } finally {
      await server.stop()
    }
  })

  it('never load the Redis client package (checked in a process of its own)', async () => {
    const { code, output } = await runTsScript('test/fixtures/l1-only-loads.ts', {
      CLOSED_PORT: String(await getFreePort()),
    })
    expect(code).toBe(0)
    expect(JSON.parse(output)).toEqual({ values: [1, 2], clientPackages: [], status: 'not_connected' })
  })
})
