import { describe, expect, it } from 'vitest'
import { getFreePort } from '../helpers/free-port.js'
import { useServices } from '../helpers/services.js'

const createService = useServices()

function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length
}

describe('a long outage', () => {
  it('keeps memory bounded: the journal stays within its bound and no timers accumulate', async () => {
    // Nothing listens on this port: every connection attempt is refused, for as long as the test runs.
    const port = await getFreePort()
    const service = createService({
      l2Url: `redis://127.0.0.1:${port}`,
      circuitBreakerThreshold: 3,
      repairJournalMaxEntries: 100,
    })
    const cache = service.createCache<number>({ l2KeyPrefix: 'outage', l1Enabled: true, l1MaxSize: 500 })
    const timersAtStart = activeTimers()
    let maxPendingRepairs = 0
    for (let round = 0; round < 20; round++) {
      await Promise.all(
        Array.from({ length: 1000 }, async (_, index) => {
          const key = `k${round}-${index}`
          await cache.set(key, index)
          await cache.get(key)
          if (index % 10 === 0) await cache.delete(key)
        }),
      )
      maxPendingRepairs = Math.max(maxPendingRepairs, cache.getStats().l2.pendingRepairs)
    }
    const stats = cache.getStats()
    expect(stats.l2.circuitBreaker.state).toBe('open')
    // 20,000 keys written and 2,000 deleted while L2 was away: the journal overflowed to a prefix
    // clear (counted as one) and never held more than its 100 keys besides.
    expect(maxPendingRepairs).toBe(101)
    expect(stats.l2.pendingRepairs).toBeLessThanOrEqual(101)
    expect(stats.l1.size).toBeLessThanOrEqual(500)
    // The probe interval and the client's reconnect timer; nothing per call.
    expect(activeTimers()).toBeLessThanOrEqual(timersAtStart + 2)
  })
})
