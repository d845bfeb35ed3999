import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { LatencyWindow, percentilesOf } from '../../src/addons/dashboard/latency-window.js'
import { ServiceMonitor } from '../../src/addons/dashboard/service-monitor.js'
import { CacheService, silentLogger } from '../../src/index.js'

describe('latency percentiles', () => {
  it('are nearest-rank percentiles, and null without durations', () => {
    const durations = Array.from({ length: 100 }, (_, index) => 100 - index)
    expect(percentilesOf(durations)).toEqual({ p50: 50, p95: 95, p99: 99, samples: 100 })
    expect(percentilesOf([7])).toEqual({ p50: 7, p95: 7, p99: 7, samples: 1 })
    expect(percentilesOf([])).toBeNull()
  })

  it('cover the most recent durations of the window, and the interval since the last look', () => {
    const window = new LatencyWindow(4)
    expect(window.percentiles()).toBeNull()
    for (const duration of [1, 2, 3, 4, 5, 6]) window.record(duration)
    expect(window.percentiles()).toEqual({ p50: 4, p95: 6, p99: 6, samples: 4 })
    expect(window.takeInterval()?.samples).toBe(4)
    expect(window.takeInterval()).toBeNull()
    window.record(10)
    expect(window.takeInterval()).toEqual({ p50: 10, p95: 10, p99: 10, samples: 1 })
  })
})

describe('ServiceMonitor', () => {
  let service: CacheService
  beforeEach(() => {
    vi.useFakeTimers()
    service = new CacheService({ logger: silentLogger })
  })
  afterEach(async () => {
    await service.close()
    vi.useRealTimers()
  })

  it('takes a point per interval with the hit rate of that interval, bounded to historySize', async () => {
    const cache = service.createCache({ l2Enabled: false, l1Enabled: true })
    const monitor = new ServiceMonitor(service, { sampleIntervalMs: 1000, historySize: 2 })
    await cache.set('k', 1)
    for (let i = 0; i < 3; i++) await cache.get('k')
    await cache.get('absent')
    vi.advanceTimersByTime(1000)
    expect(monitor.observe(cache.name)?.history).toEqual([
      {
        at: expect.any(Number),
        hitRate: 0.75,
        lookups: 4,
        l1Size: 1,
        latency: null,
        invalidationsSent: 0,
        invalidationsReceived: 0,
      },
    ])
    vi.advanceTimersByTime(1000)
    await cache.get('k')
    vi.advanceTimersByTime(1000)
    const history = monitor.observe(cache.name)?.history ?? []
    expect(history.map((point) => [point.hitRate, point.lookups])).toEqual([
      [null, 0],
      [1, 1],
    ])
    monitor.close()
  })

  it('watches caches created after it started, and lets go of everything on close()', () => {
    const monitor = new ServiceMonitor(service, { sampleIntervalMs: 1000, historySize: 10 })
    expect(service.listenerCount('l2:operation')).toBe(1)
    const later = service.createCache({ l2Enabled: false, l1Enabled: true })
    vi.advanceTimersByTime(1000)
    expect(monitor.observe(later.name)?.history).toHaveLength(1)
    expect(monitor.observe('never-created')).toBeUndefined()
    monitor.close()
    expect(service.listenerCount('l2:operation')).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
  })
})
