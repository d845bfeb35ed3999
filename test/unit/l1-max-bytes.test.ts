import { describe, expect, it } from 'vitest'
import { approximateSize } from '../../src/backends/l1/approximate-size.js'
import { CacheService } from '../../src/index.js'
import { silentLogger } from '../../src/kernel/logger.js'

describe('l1MaxBytes', () => {
  it('evicts the least recently used entries to keep L1 under the byte bound', async () => {
    const service = new CacheService({ logger: silentLogger })
    try {
      const cache = service.createCache<string>({ l2Enabled: false, l1Enabled: true, l1MaxBytes: 100_000 })
      for (let index = 0; index < 50; index++) await cache.set(`k${index}`, 'x'.repeat(10_000))
      const l1 = cache.getStats().l1
      expect(l1.maxBytes).toBe(100_000)
      expect(l1.bytes).toBeGreaterThan(50_000)
      expect(l1.bytes).toBeLessThanOrEqual(100_000)
      expect(l1.size).toBeLessThan(10)
      expect(await cache.get('k49')).toHaveLength(10_000)
      expect(await cache.get('k0')).toBeUndefined()
    } finally {
      await service.close()
    }
  })

  it('keeps the entry bound too when it is above the preallocated size', async () => {
    const service = new CacheService({ logger: silentLogger })
    try {
      const maxSize = 100_001
      const cache = service.createCache<number>({
        l2Enabled: false,
        l1Enabled: true,
        l1MaxSize: maxSize,
        l1MaxBytes: maxSize * 1000,
      })
      for (let index = 0; index < maxSize + 50; index++) await cache.set(`k${index}`, index)
      const l1 = cache.getStats().l1
      expect(l1.size).toBe(maxSize)
      expect(l1.bytes).toBeLessThanOrEqual(maxSize * 1000)
    } finally {
      await service.close()
    }
  })

  it('reports no byte figures for a cache bounded by entry count alone', async () => {
    const service = new CacheService({ logger: silentLogger })
    try {
      const l1 = service.createCache({ l2Enabled: false, l1Enabled: true }).getStats().l1
      expect(l1).toMatchObject({ bytes: null, maxBytes: null })
    } finally {
      await service.close()
    }
  })

  it('sizes strings by length, binary data by bytes, and objects by their members', () => {
    expect(approximateSize('a'.repeat(1000))).toBeGreaterThanOrEqual(2000)
    expect(approximateSize(Buffer.alloc(5000))).toBeGreaterThanOrEqual(5000)
    const nested = { body: 'b'.repeat(1000), headers: [['etag', '"v1"']] }
    expect(approximateSize(nested)).toBeGreaterThan(approximateSize(nested.body))
    const cyclic: Record<string, unknown> = { name: 'x' }
    cyclic.self = cyclic
    expect(approximateSize(cyclic)).toBeLessThan(200)
  })
})
