import { describe, expect, it } from 'vitest'
import { MAX_L1_MAX_SIZE, PREALLOCATED_L1_MAX_SIZE } from '../../src/backends/l1/l1-size-limits.js'
import { lruL1Backend, ttlL1Backend } from '../../src/backends/l1/lru-cache-backend.js'
import { CacheService, isCacheConfigurationError, silentLogger } from '../../src/index.js'

function createWithMaxSize(l1MaxSize: number) {
  return new CacheService({ logger: silentLogger }).createCache({
    l2Enabled: false,
    l1Enabled: true,
    l1MaxSize,
  })
}

describe('l1MaxSize', () => {
  it.each([MAX_L1_MAX_SIZE + 1, 2 ** 31])(
    'above the limit (%i) is a CacheConfigurationError naming it',
    (size) => {
      let thrown: unknown
      try {
        createWithMaxSize(size)
      } catch (error) {
        thrown = error
      }
      expect(isCacheConfigurationError(thrown)).toBe(true)
      expect((thrown as Error).message).toMatch(
        /l1MaxSize: expected an integer from 1 to 10000000, got 2?\d+/,
      )
    },
  )

  it('at the limit, an empty cache reserves no index (no typed arrays of that length)', () => {
    const before = process.memoryUsage().arrayBuffers
    const backends = [ttlL1Backend, lruL1Backend].map((factory) =>
      factory({ maxSize: MAX_L1_MAX_SIZE, ttlMs: 60_000 }),
    )
    // A reserved index would be 120 MB of typed arrays for each.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1_000_000)
    expect(backends.map((backend) => backend.maxSize)).toEqual([MAX_L1_MAX_SIZE, MAX_L1_MAX_SIZE])
    expect(createWithMaxSize(MAX_L1_MAX_SIZE).getStats().l1.maxSize).toBe(MAX_L1_MAX_SIZE)
  })

  it('above the reserved size, still bounds the number of entries', () => {
    const maxSize = PREALLOCATED_L1_MAX_SIZE + 1
    const backend = ttlL1Backend({ maxSize, ttlMs: 60_000 })
    for (let i = 0; i < maxSize + 10; i++) backend.set(`k${i}`, i, 60_000)
    expect(backend.size).toBe(maxSize)
    expect(backend.get('k0')).toBeUndefined()
    expect(backend.get(`k${maxSize + 9}`)).toBe(maxSize + 9)
  })
})
