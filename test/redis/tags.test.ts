import { createInterface } from 'node:readline'
import { describe, expect, it } from 'vitest'
import { CacheService, isCacheConfigurationError, silentLogger } from '../../src/index.js'
import { registerInstrumentedBackend } from '../helpers/instrumented-backend.js'
import { spawnTsScript } from '../helpers/run-script.js'
import { useRawClient, useRedisServer, useServices, waitFor } from '../helpers/services.js'

const redis = useRedisServer()
const openService = useServices()
const rawClient = useRawClient(redis)

describe('tags', () => {
  it('deleteByTag makes the entries carrying a tag a miss, in L1 and L2, and leaves the others', async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache({ l2KeyPrefix: 't1', l1Enabled: true })
    await cache.set('p1', 'product 1', { tags: ['products', 'page:home'] })
    await cache.set('p2', 'product 2', { tags: ['products'] })
    await cache.set('u1', 'user 1', { tags: ['users'] })
    await cache.set('plain', 'untagged')
    await cache.deleteByTag('products')
    expect(await cache.getMany(['p1', 'p2', 'u1', 'plain'])).toEqual([
      undefined,
      undefined,
      'user 1',
      'untagged',
    ])
    // L2 still holds the bytes (they expire on their own), but no instance serves them.
    const fresh = openService({ l2Url: redis.server.url }).createCache({ l2KeyPrefix: 't1' })
    expect(await fresh.get('p1')).toBeUndefined()
    expect(await fresh.get('u1')).toBe('user 1')
    expect(cache.getStats().tags).toMatchObject({ invalidations: 1, l1EntriesDropped: 2, l2Invalidations: 1 })
  })

  it('serves an entry written after the deleteByTag', async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache({ l2KeyPrefix: 't2' })
    await cache.set('k', 'old', { tags: ['t'] })
    await cache.deleteByTag(['t'])
    await new Promise((resolve) => setTimeout(resolve, 2))
    await cache.set('k', 'new', { tags: ['t'] })
    expect(await cache.get('k')).toBe('new')
  })

  it('an instance that hears no announcement never serves a covered entry from L2', async () => {
    const config = { l2Url: redis.server.url, invalidation: 'none' } as const
    const writer = openService(config).createCache({ l2KeyPrefix: 't3' })
    const deaf = openService(config).createCache({ l2KeyPrefix: 't3' })
    await writer.setMany(
      [
        ['a', 1],
        ['b', 2],
      ],
      { tags: ['group'] },
    )
    expect(await deaf.getMany(['a', 'b'])).toEqual([1, 2])
    await writer.deleteByTag('group')
    expect(await deaf.getMany(['a', 'b'])).toEqual([undefined, undefined])
    expect(await deaf.get('a')).toBeUndefined()
  })

  it('tags a getOrSet value and a setMany batch', async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache({ l2KeyPrefix: 't4', l1Enabled: true })
    expect(await cache.getOrSet('loaded', () => 'v', { tags: ['x'] })).toBe('v')
    await cache.setMany([['batched', 'w']], { tags: ['x'] })
    await cache.deleteByTag('x')
    let loads = 0
    expect(await cache.getOrSet('loaded', () => `v${++loads}`, { tags: ['x'] })).toBe('v1')
    expect(await cache.get('batched')).toBeUndefined()
  })

  it('keeps one key per tag, which lives as long as the longest entry carrying it and no longer', async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache({ l2KeyPrefix: 't5' })
    await cache.set('short', 1, { tags: ['life'], ttl: 10 })
    await cache.set('long', 2, { tags: ['life'], ttl: 3600 })
    await cache.set('shorter', 3, { tags: ['life'], ttl: 5 })
    const tagKeys = await rawClient.client.keys('*life*')
    expect(tagKeys).toEqual(['::tag::t5::life'])
    const tagTtl = await rawClient.client.pttl('::tag::t5::life')
    const entryTtl = await rawClient.client.pttl('t5::long')
    expect(tagTtl).toBeGreaterThan(entryTtl)
    // The Redis backend rounds the expiry up to a multiple of the need, so that a stream of writes seldom extends it.
    expect(tagTtl).toBeLessThanOrEqual(2 * (3600_000 + 60_000))
    // A deleteByTag of a tag no entry carries writes nothing.
    await cache.deleteByTag('never-used')
    expect(await rawClient.client.exists('::tag::t5::never-used')).toBe(0)
    // Every key the cache wrote expires.
    for (const key of await rawClient.client.keys('*'))
      expect(await rawClient.client.pttl(key)).toBeGreaterThan(0)
  })

  it('rejects tags that are not non-empty strings, naming the index', async () => {
    const cache = openService({ l2Url: redis.server.url }).createCache({ l2KeyPrefix: 't6' })
    await expect(cache.set('k', 1, { tags: ['ok', ''] })).rejects.toThrow(
      /set: tags\[1\] must be a non-empty string/,
    )
    await expect(cache.set('k', 1, { tags: 'one' as unknown as string[] })).rejects.toThrow(
      /tags must be an array/,
    )
    await expect(cache.deleteByTag([3 as unknown as string])).rejects.toThrow(/deleteByTag: tags\[0\]/)
    await expect(cache.getOrSet('k', () => 1, { tags: [null as unknown as string] })).rejects.toThrow(
      /getOrSet: tags\[0\]/,
    )
    await expect(cache.setIfNotExist('k', 1, { tags: ['a'] })).rejects.toThrow(
      /setIfNotExist: tags are not supported/,
    )
    expect(await rawClient.client.exists('t6::k')).toBe(0)
  })

  it('refuses tags on an L2 backend that cannot keep them, and batches fall back to one call per key', async () => {
    const { name, log } = registerInstrumentedBackend({ batches: false })
    const cache = openService({ l2Url: redis.server.url, l2Backend: name }).createCache({ l2KeyPrefix: 't7' })
    const error = await cache.set('k', 1, { tags: ['a'] }).catch((caught: unknown) => caught)
    expect(isCacheConfigurationError(error)).toBe(true)
    expect((error as Error).message).toMatch(/tags: set: the L2 backend .* cannot keep tags/)
    await expect(cache.deleteByTag('a')).rejects.toThrow(/cannot keep tags/)
    await cache.setMany([
      ['a', 1],
      ['b', 2],
    ])
    expect(await cache.getMany(['a', 'b', 'c'])).toEqual([1, 2, undefined])
    expect(log.started).toMatchObject({ set: 2, get: 3 })
  })
})

describe('deleteByTag across instances', () => {
  it("drops the entries from another instance's L1 with invalidation: 'tracking'", async () => {
    const config = { l2Url: redis.server.url, invalidation: 'tracking' } as const
    const a = openService(config).createCache({ l2KeyPrefix: 'track', l1Enabled: true })
    const b = openService(config).createCache({ l2KeyPrefix: 'track', l1Enabled: true })
    // Tracking is set up in the background: wait until a change by A reaches B.
    await waitFor(
      async () => {
        await a.set('probe', Date.now())
        return b.getStats().invalidation.messagesReceived > 0
      },
      5000,
      'tracking in place',
    )
    // B's own writes are not reported back to B: both stay in its L1.
    await b.set('p', 'product', { tags: ['products'] })
    await b.set('u', 'user', { tags: ['users'] })
    const heard = new Promise<readonly string[] | undefined>((resolve) =>
      b.on('invalidation', (event) => {
        if (event.tags !== undefined) resolve(event.tags)
      }),
    )
    await a.deleteByTag('products')
    expect(await heard).toEqual(['products'])
    expect(b.getStats().tags.l1EntriesDropped).toBe(1)
    const hitsBefore = b.getStats().l1.hits
    // p left B's L1 (and L2 answers a miss for it); u is still an L1 hit.
    expect(await b.getMany(['p', 'u'])).toEqual([undefined, 'user'])
    expect(b.getStats().l1.hits).toBe(hitsBefore + 1)
  })

  it('drops the entries from the L1 of two other processes within the bus delay', async () => {
    const workers = [0, 1].map(() => {
      const child = spawnTsScript('test/fixtures/tags-worker.ts', { REDIS_URL: redis.server.url })
      const lines: Array<Record<string, unknown>> = []
      createInterface({ input: child.stdout }).on('line', (line) => lines.push(JSON.parse(line)))
      return { child, lines }
    })
    const ask = async (worker: (typeof workers)[number], command: object, field: string) => {
      const before = worker.lines.length
      worker.child.stdin.write(`${JSON.stringify(command)}\n`)
      await waitFor(() => worker.lines.slice(before).some((line) => field in line), 10_000, field)
      return worker.lines.slice(before).find((line) => field in line)?.[field]
    }
    const service = new CacheService({ l2Url: redis.server.url, logger: silentLogger })
    try {
      await waitFor(
        () => workers.every((worker) => worker.lines.some((line) => line.ready)),
        20_000,
        'workers',
      )
      await waitFor(
        async () =>
          (await redis.server.command('CLIENT', 'LIST')).split('\n').filter((line) => / sub=[1-9]/.test(line))
            .length >= 2,
        10_000,
        'the workers subscribed',
      )
      // Written without announcements: one arriving after a worker's read would drop what it promoted.
      const quiet = openService({ l2Url: redis.server.url, invalidation: 'none' })
      const writer = quiet.createCache<string>({ l2KeyPrefix: 'tagged' })
      const a = service.createCache<string>({ l2KeyPrefix: 'tagged', l1Enabled: true })
      await writer.setMany(
        Array.from({ length: 10 }, (_, i) => [`p${i}`, `product ${i}`] as const),
        { tags: ['products'] },
      )
      await writer.set('other', 'kept', { tags: ['users'] })
      const keys = [...Array.from({ length: 10 }, (_, i) => `p${i}`), 'other']
      for (const worker of workers) {
        expect(await ask(worker, { op: 'getMany', keys }, 'values')).toHaveLength(11)
        expect(await ask(worker, { op: 'l1Size' }, 'l1Size')).toBe(11)
      }
      const startedAt = performance.now()
      await a.deleteByTag('products')
      await waitFor(
        () => workers.every((worker) => worker.lines.some((line) => line.event === 'tags')),
        5000,
        'both workers hear the deleteByTag',
      )
      const heardWithinMs = performance.now() - startedAt
      expect(heardWithinMs).toBeLessThan(2000)
      for (const worker of workers) {
        expect(worker.lines.find((line) => line.event === 'tags')).toMatchObject({
          tags: ['products'],
          l1ItemsDropped: 10,
        })
        expect(await ask(worker, { op: 'l1Size' }, 'l1Size')).toBe(1)
        expect(await ask(worker, { op: 'getMany', keys: ['p0', 'other'] }, 'values')).toEqual([null, 'kept'])
      }
    } finally {
      await service.close()
      for (const worker of workers) worker.child.kill('SIGKILL')
    }
  }, 60_000)
})
