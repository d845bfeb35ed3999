import { afterEach, describe, expect, it } from 'vitest'
import { CacheService, silentLogger } from '../../src/index.js'

const services: CacheService[] = []
afterEach(async () => {
  await Promise.all(services.splice(0).map((service) => service.close()))
})

/** An L1-only cache: per-call options are checked before any L2 work, so none is needed. */
function cache() {
  const service = new CacheService({ logger: silentLogger })
  services.push(service)
  return service.createCache<number>({ l2Enabled: false, l1Enabled: true })
}

describe('unknown per-call options', () => {
  it.each([
    [
      'set',
      () => cache().set('k', 1, { ttll: 5 } as never),
      /^set: unknown option 'ttll'; did you mean 'ttl'\?$/,
    ],
    [
      'setIfNotExist',
      () => cache().setIfNotExist('k', 1, { TTL: 5 } as never),
      /setIfNotExist: unknown option 'TTL'; did you mean 'ttl'\?/,
    ],
    [
      'getOrSet',
      () => cache().getOrSet('k', () => 1, { staleIfEror: 5 } as never),
      /getOrSet: unknown option 'staleIfEror'; did you mean 'staleIfError'\?/,
    ],
    [
      'wrap',
      () => cache().wrap(async () => 1, { key: 'k', lok: 'distributed' } as never),
      /wrap: unknown option 'lok'; did you mean 'lock'\?/,
    ],
    [
      'wrap, with the key misspelt',
      () => cache().wrap(async () => 1, { kee: 'k' } as never),
      /wrap: unknown option 'kee'; did you mean 'key'\?/,
    ],
    [
      'listKeys',
      () => cache().listKeys('', { limt: 5 } as never),
      /listKeys: unknown option 'limt'; did you mean 'limit'\?/,
    ],
    [
      'set, with nothing close',
      () => cache().set('k', 1, { expiresWhenever: 5 } as never),
      /set: unknown option 'expiresWhenever'; known options: ttl/,
    ],
  ])(
    '%s rejects them with a TypeError naming the key and the closest valid one',
    async (_call, run, message) => {
      const attempt = (async () => run())()
      await expect(attempt).rejects.toThrow(TypeError)
      await expect(attempt).rejects.toThrow(message)
    },
  )

  it('writes nothing when set is given an unknown option', async () => {
    const c = cache()
    await expect(c.set('k', 1, { ttll: 5 } as never)).rejects.toThrow(TypeError)
    expect(await c.get('k')).toBeUndefined()
  })

  it('accepts the known options and an absent options object', async () => {
    const c = cache()
    await c.set('a', 1, { ttl: 5 })
    await c.set('b', 2)
    expect(await c.getOrSet('c', () => 3, { ttl: 5, lock: 'local', lockTimeout: 1, staleIfError: 0 })).toBe(3)
    expect(await c.listKeys('', { limit: 10 })).toHaveLength(3)
  })
})
