import { describe, expect, it } from 'vitest'
import { useRedisServer, useServices } from '../helpers/services.js'

const redis = useRedisServer()
const openService = useServices()

/** A seeded generator (LCG): the same sequence on every run, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31
    return state / 2 ** 31
  }
}

describe('getOrSet under mixed timeouts, signals and failures', () => {
  it('settles every call, leaves no key pinned and no unhandled rejection', async () => {
    const next = random(15)
    const cache = openService({ l2Url: redis.server.url }).createCache<string>({
      l2KeyPrefix: 'stress',
      l1Enabled: true,
    })
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown) => unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    try {
      const calls = Array.from({ length: 300 }, (_, i) => {
        const key = `k${Math.floor(next() * 5)}`
        const loaderMs = Math.floor(next() * 60)
        const fails = next() < 0.2
        const never = next() < 0.05
        const controller = next() < 0.2 ? new AbortController() : undefined
        if (controller !== undefined) setTimeout(() => controller.abort(), Math.floor(next() * 40))
        const options = {
          ttl: 0.05 + next() * 0.1,
          grace: next() < 0.5 ? '1h' : 0,
          softTimeout: next() < 0.3 ? '10ms' : 0,
          hardTimeout: never || next() < 0.3 ? '30ms' : 0,
          eagerRefresh: next() < 0.3 ? 0.5 : 0,
          signal: controller?.signal,
        }
        return new Promise<void>((resolve) => setTimeout(resolve, i)).then(() =>
          cache.getOrSet(
            key,
            () =>
              never
                ? new Promise<string>(() => {})
                : new Promise<string>((resolve, reject) =>
                    setTimeout(() => (fails ? reject(new Error('down')) : resolve(`v${i}`)), loaderMs),
                  ),
            options,
          ),
        )
      })
      const results = await Promise.allSettled(calls)
      for (const result of results) {
        if (result.status === 'fulfilled') expect(result.value).toMatch(/^v\d+$/)
      }
      // No key is held by a load nobody waits for: a plain call of each key settles with its loader's value
      // or a value stored meanwhile.
      for (let k = 0; k < 5; k++) {
        await cache.delete(`k${k}`)
        expect(await cache.getOrSet(`k${k}`, () => 'fresh', { hardTimeout: '1s' })).toBe('fresh')
      }
      await new Promise((resolve) => setTimeout(resolve, 100)) // let the last background loads end
      expect(unhandled).toEqual([])
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
  })
})
