import { describe, expect, it } from 'vitest'
import { createEntryCodec } from '../../src/backends/l2/entry-format.js'
import { getSerializer, isCacheSerializationError, MAX_BATCH_KEYS } from '../../src/index.js'
import { useRawClient, useRedisServer, useServices } from '../helpers/services.js'

const redis = useRedisServer()
const openService = useServices()
const rawClient = useRawClient(redis)

/** Counts the commands the server ran, by name, while `body` runs (its command statistics). */
async function commandsDuring(body: () => Promise<unknown>): Promise<Map<string, number>> {
  await rawClient.client.config('RESETSTAT')
  await body()
  const info = await rawClient.client.info('commandstats')
  const counts = new Map<string, number>()
  for (const match of info.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm))
    counts.set(match[1] as string, Number(match[2]))
  return counts
}

describe('getMany', () => {
  it('answers what get answers for each key, in order, duplicates included', async () => {
    const config = { l2Url: redis.server.url, invalidation: 'none' } as const
    const writer = openService(config).createCache({ l2KeyPrefix: 'gm' })
    const single = openService(config).createCache({ l2KeyPrefix: 'gm', l1Enabled: true })
    const batch = openService(config).createCache({ l2KeyPrefix: 'gm', l1Enabled: true })
    await writer.set('a', { n: 1 })
    await writer.set('b', null)
    await writer.set('c', 'three')
    const keys = ['c', 'missing', 'a', 'b', 'a', 'c']
    const one = []
    for (const key of keys) one.push(await single.get(key))
    expect(await batch.getMany(keys)).toEqual(one)
    expect(one).toEqual(['three', undefined, { n: 1 }, null, { n: 1 }, 'three'])
    // The hits were promoted: a second batch is answered by L1 alone.
    await rawClient.client.flushdb()
    expect(await batch.getMany(['a', 'b', 'c'])).toEqual([{ n: 1 }, null, 'three'])
  })

  it('reads the L1 misses with one MGET and nothing else', async () => {
    const cache = openService({ l2Url: redis.server.url, invalidation: 'none' }).createCache({
      l2KeyPrefix: 'one',
      l1Enabled: true,
    })
    const keys = Array.from({ length: 100 }, (_, i) => `k${i}`)
    await cache.setMany(keys.map((key, i) => [key, i] as const))
    const counts = await commandsDuring(async () => {
      const fresh = openService({ l2Url: redis.server.url, invalidation: 'none' }).createCache({
        l2KeyPrefix: 'one',
        l1Enabled: true,
      })
      await fresh.get('k0')
      expect(await fresh.getMany(keys)).toEqual(keys.map((_, i) => i))
    })
    expect(counts.get('mget')).toBe(1)
    expect(counts.get('get')).toBe(1)
  })

  it('treats a corrupt entry as a miss, counts it and deletes it, like get', async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache({ l2KeyPrefix: 'bad' })
    await cache.set('good', 'fine')
    await rawClient.client.set('bad::broken', 'not an entry')
    expect(await cache.getMany(['good', 'broken'])).toEqual(['fine', undefined])
    expect(cache.getStats().l2.corruptEntries).toBe(1)
    await expect.poll(() => rawClient.client.exists('bad::broken')).toBe(0)
  })

  it('answers from L1 and misses, without rejecting, when L2 is unreachable', async () => {
    const service = openService({ l2Url: 'redis://127.0.0.1:1', l2CommandTimeout: 0.2 })
    const cache = service.createCache({ l2KeyPrefix: 'down', l1Enabled: true })
    await cache.set('here', 1)
    expect(await cache.getMany(['here', 'there'])).toEqual([1, undefined])
  })

  it('rejects bad input naming the argument', async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache({ l2KeyPrefix: 'input' })
    await expect(cache.getMany('a' as unknown as string[])).rejects.toThrow(/getMany: keys must be an array/)
    await expect(cache.getMany(['a', ''])).rejects.toThrow(/getMany: keys\[1\]/)
    await expect(cache.getMany(['a', 7 as unknown as string])).rejects.toThrow(/keys\[1\]/)
    const tooMany = Array.from({ length: MAX_BATCH_KEYS + 1 }, (_, i) => `k${i}`)
    await expect(cache.getMany(tooMany)).rejects.toThrow(TypeError)
    await expect(cache.getMany(tooMany)).rejects.toThrow(/at most 10000 keys/)
  })
})

describe('setMany', () => {
  it('writes every entry with one SET PX each in a single call, readable by another instance', async () => {
    const a = openService({ l2Url: redis.server.url }).createCache({ l2KeyPrefix: 'sm', l1Enabled: true })
    const b = openService({ l2Url: redis.server.url }).createCache({ l2KeyPrefix: 'sm' })
    const entries = new Map(Array.from({ length: 50 }, (_, i) => [`k${i}`, { i }] as const))
    const counts = await commandsDuring(() => a.setMany(entries, { ttl: 60 }))
    expect(counts.get('set')).toBe(50)
    expect(await b.getMany([...entries.keys()])).toEqual([...entries.values()])
    const pttl = await rawClient.client.pttl('sm::k7')
    expect(pttl).toBeGreaterThan(50_000)
    expect(pttl).toBeLessThanOrEqual(60_000)
    expect(a.getStats().batches).toMatchObject({ setMany: 1, getMany: 0, keys: 50 })
  })

  it('announces a batch in one bus message', async () => {
    const a = openService({ l2Url: redis.server.url }).createCache({ l2KeyPrefix: 'bus1', l1Enabled: true })
    await a.setMany(Array.from({ length: 20 }, (_, i) => [`k${i}`, i] as const))
    await expect.poll(() => a.getStats().invalidation.messagesSent).toBe(1)
    expect(a.getStats().invalidation.keysSent).toBe(20)
  })

  it('rejects the whole batch before writing anything when one value cannot be encoded', async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache({
      l2KeyPrefix: 'atomic',
      l1Enabled: true,
    })
    const error = await cache
      .setMany([
        ['ok', 1],
        ['bad', undefined],
      ])
      .catch((caught: unknown) => caught)
    expect(isCacheSerializationError(error)).toBe(true)
    expect(await rawClient.client.exists('atomic::ok')).toBe(0)
    expect(cache.getStats().l1.size).toBe(0)
  })

  it('journals every key when L2 is unreachable, and stays in L1', async () => {
    const cache = openService({ l2Url: 'redis://127.0.0.1:1', l2CommandTimeout: 0.2 }).createCache({
      l2KeyPrefix: 'journal',
      l1Enabled: true,
    })
    await cache.setMany([
      ['a', 1],
      ['b', 2],
    ])
    expect(cache.getStats().l2.pendingRepairs).toBe(2)
    expect(await cache.getMany(['a', 'b'])).toEqual([1, 2])
  })

  it('rejects entries that are not [key, value] pairs, naming the entry', async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache({ l2KeyPrefix: 'pairs' })
    await expect(cache.setMany(5 as unknown as [])).rejects.toThrow(/setMany: entries must be an iterable/)
    await expect(cache.setMany([['a', 1], 'b' as unknown as [string, number]])).rejects.toThrow(
      /setMany: entries\[1\] must be a \[key, value\] pair/,
    )
    await expect(cache.setMany([['', 1]])).rejects.toThrow(/setMany: entries\[0\]\[0\]: Cache key must be/)
    expect(await rawClient.client.exists('pairs::a')).toBe(0)
  })

  it('rejects an unknown option with the closest known name, before writing', async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache({ l2KeyPrefix: 'opts' })
    const tagged = { tag: ['products'] } as unknown as { tags: string[] }
    await expect(cache.setMany([['a', 1]], tagged)).rejects.toThrow(
      "setMany: unknown option 'tag'; did you mean 'tags'?",
    )
    await expect(cache.getOrSetMany(['a'], () => [1], tagged)).rejects.toThrow(
      /getOrSetMany: unknown option 'tag'/,
    )
    expect(await rawClient.client.exists('opts::a')).toBe(0)
  })
})

describe('deleteMany', () => {
  it('removes keys from L2 and L1 and says how many existed', async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache({ l2KeyPrefix: 'dm', l1Enabled: true })
    await cache.setMany([
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ])
    expect(await cache.deleteMany(['a', 'b', 'nope', 'a'])).toBe(2)
    expect(await cache.getMany(['a', 'b', 'c'])).toEqual([undefined, undefined, 3])
    expect(await rawClient.client.exists('dm::a', 'dm::b')).toBe(0)
  })
})

describe('getOrSetMany', () => {
  it('loads only what neither level has, in one loader call, and stores it', async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache({
      l2KeyPrefix: 'gosm',
      l1Enabled: true,
    })
    await cache.set('cached', 'from cache')
    const calls: string[][] = []
    const values = await cache.getOrSetMany(['cached', 'x', 'y', 'gone', 'x'], (missing) => {
      calls.push(missing)
      return new Map([
        ['x', 'X'],
        ['y', 'Y'],
      ])
    })
    expect(values).toEqual(['from cache', 'X', 'Y', undefined, 'X'])
    expect(calls).toEqual([['x', 'y', 'gone']])
    // Loaded values were written through; the one the loader did not return was not cached.
    expect(await rawClient.client.exists('gosm::x', 'gosm::y', 'gosm::gone')).toBe(2)
    expect(cache.getStats().batches.loads).toBe(1)
  })

  it('accepts an array aligned with the missing keys, and a call where nothing is missing loads nothing', async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache({
      l2KeyPrefix: 'arr',
      l1Enabled: true,
    })
    expect(
      await cache.getOrSetMany(['a', 'b'], (missing) => missing.map((key) => key.toUpperCase())),
    ).toEqual(['A', 'B'])
    let called = false
    expect(
      await cache.getOrSetMany(['b', 'a'], () => {
        called = true
        return []
      }),
    ).toEqual(['B', 'A'])
    expect(called).toBe(false)
  })

  it('never loads one key twice when calls overlap', async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache({
      l2KeyPrefix: 'flight',
      l1Enabled: true,
    })
    const loaded: string[] = []
    let release: () => void = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const loader = async (missing: string[]) => {
      loaded.push(...missing)
      await gate
      return missing.map((key) => `v-${key}`)
    }
    const first = cache.getOrSetMany(['a', 'b'], loader)
    await expect.poll(() => loaded.length).toBe(2)
    const second = cache.getOrSetMany(['b', 'c'], loader)
    await expect.poll(() => loaded.length).toBe(3)
    release()
    expect(await first).toEqual(['v-a', 'v-b'])
    expect(await second).toEqual(['v-b', 'v-c'])
    expect(loaded.sort()).toEqual(['a', 'b', 'c'])
  })

  it('rejects every caller waiting on a failed load, and caches nothing', async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache({
      l2KeyPrefix: 'fail',
      l1Enabled: true,
    })
    await expect(
      cache.getOrSetMany(['a'], () => {
        throw new Error('db down')
      }),
    ).rejects.toThrow('db down')
    expect(await cache.get('a')).toBeUndefined()
    await expect(cache.getOrSetMany(['a'], () => ['too', 'many'])).rejects.toThrow(/2 values for 1 keys/)
  })
})

describe('a closed cache', () => {
  it('rejects every batch call and deleteByTag with E_CLOSED', async () => {
    const service = openService({ l2Url: redis.server.url })
    const cache = service.createCache({ l2KeyPrefix: 'closed' })
    await service.close()
    for (const call of [
      () => cache.getMany(['a']),
      () => cache.setMany([['a', 1]]),
      () => cache.deleteMany(['a']),
      () => cache.getOrSetMany(['a'], () => [1]),
      () => cache.deleteByTag('t'),
    ]) {
      await expect(call()).rejects.toMatchObject({ code: 'E_CLOSED' })
    }
  })
})

describe('entries written by an older release', () => {
  it('reads an untagged entry that is byte for byte what the first format version wrote', async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache({ l2KeyPrefix: 'old' })
    const codec = createEntryCodec(getSerializer(cache.getStats().l2.serializer), { maxValueBytes: 1024 })
    await rawClient.client.set('old::k', codec.encode({ v: 1 }, Date.now() + 60_000))
    expect(await cache.getMany(['k'])).toEqual([{ v: 1 }])
  })
})
