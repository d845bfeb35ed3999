import { createCache } from 'cache-manager'
import { Cacheable } from 'cacheable'
import Keyv from 'keyv'
import { createKeyvStore } from 'resilient-cache/keyv'
import { describe, expect, it } from 'vitest'
import { useRawClient, useRedisServer, useServices } from '../helpers/services.js'

const redis = useRedisServer()
const raw = useRawClient(redis)
const openService = useServices()
/** The services' `l2CommandTimeout`, in seconds as the option takes it. */
const L2_COMMAND_TIMEOUT_S = 0.3
/** What a call may take beyond `l2CommandTimeout` on a shared machine: scheduling, not waiting on L2. */
const SCHEDULING_MARGIN_MS = 300

/** A cache named `users` over the file's Redis, with L1 in front, as a Keyv store. */
function usersStore() {
  const service = openService({ l2Url: redis.server.url, l2CommandTimeout: L2_COMMAND_TIMEOUT_S })
  const users = service.createCache({ l2KeyPrefix: 'users', l1Enabled: true })
  return { users, store: createKeyvStore(users) }
}

/** Runs `call` and resolves its result and how long it took, in ms. */
async function timed<T>(call: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const startedAt = performance.now()
  const result = await call()
  return { result, ms: performance.now() - startedAt }
}

describe('cache-manager 7 over createKeyvStore', () => {
  it('writes through to Redis under the Keyv namespace, with the TTL cache-manager gives in ms', async () => {
    const { store } = usersStore()
    const cache = createCache({ stores: [new Keyv({ store })] })
    await cache.set('user:1', { name: 'Ada' }, 60_000)
    expect(await cache.get('user:1')).toEqual({ name: 'Ada' })
    const pttl = await raw.client.pttl('users::keyv:user:1')
    expect(pttl).toBeGreaterThan(55_000)
    expect(pttl).toBeLessThanOrEqual(60_000)
    const expiresAt = await cache.ttl('user:1')
    expect(expiresAt).toBeGreaterThan(Date.now() + 55_000)
  })

  it('reads what another instance wrote (L2), and wrap calls the loader once per key', async () => {
    const writer = createCache({ stores: [new Keyv({ store: usersStore().store })] })
    const reader = createCache({ stores: [new Keyv({ store: usersStore().store })] })
    let loads = 0
    const load = async () => {
      loads++
      return { name: 'Grace' }
    }
    expect(await writer.wrap('user:2', load, 60_000)).toEqual({ name: 'Grace' })
    expect(await reader.wrap('user:2', load, 60_000)).toEqual({ name: 'Grace' })
    expect(loads).toBe(1)
  })

  it('mset and mget many keys, and del and clear touch only their own namespace', async () => {
    const { users, store } = usersStore()
    const cache = createCache({ stores: [new Keyv({ store, namespace: 'app' })] })
    await users.set('written-directly', 'kept')
    await cache.mset([
      { key: 'a', value: 1 },
      { key: 'b', value: 2, ttl: 30_000 },
    ])
    expect(await cache.mget(['a', 'b', 'missing'])).toEqual([1, 2, undefined])
    expect(await raw.client.exists('users::app:a', 'users::app:b')).toBe(2)
    // Each entry keeps its own TTL through the batch: b's 30 s, a's the cache's l2Ttl (1 h by default).
    expect(await raw.client.pttl('users::app:b')).toBeLessThanOrEqual(30_000)
    expect(await raw.client.pttl('users::app:a')).toBeGreaterThan(3_000_000)
    expect(await cache.del('a')).toBe(true)
    expect(await cache.get('a')).toBeUndefined()
    await cache.clear()
    expect(await cache.get('b')).toBeUndefined()
    expect(await raw.client.exists('users::app:b')).toBe(0)
    expect(await users.get('written-directly')).toBe('kept')
  })

  it('keeps answering within l2CommandTimeout when Redis is killed mid-test, and Keyv reports the errors', async () => {
    const { users, store } = usersStore()
    const keyv = new Keyv({ store })
    const errors: unknown[] = []
    keyv.on('error', (error: unknown) => errors.push(error))
    const cache = createCache({ stores: [keyv] })
    await cache.set('warm', 'from L1', 60_000)
    try {
      await redis.server.kill()
      const bound = L2_COMMAND_TIMEOUT_S * 1000 + SCHEDULING_MARGIN_MS
      const calls = [
        await timed(() => cache.get('warm')),
        await timed(() => cache.get('never-written')),
        await timed(() => cache.set('during-outage', 'in L1', 60_000)),
        await timed(() => cache.wrap('loaded-during-outage', async () => 'loaded', 60_000)),
        await timed(() => cache.mget(['warm', 'during-outage'])),
        await timed(() => cache.del('during-outage')),
        await timed(() => cache.get('during-outage')),
        await timed(() => cache.clear()),
        await timed(() => cache.get('warm')),
      ]
      expect(calls.map(({ result }) => result)).toEqual([
        'from L1',
        undefined,
        'in L1',
        'loaded',
        ['from L1', 'in L1'],
        true,
        undefined,
        true,
        undefined,
      ])
      for (const { ms } of calls) expect(ms).toBeLessThan(bound)
      expect(errors.length).toBeGreaterThan(0)
      expect(errors.every((error) => error instanceof Error)).toBe(true)
      expect(users.getStats().l2.pendingRepairs).toBeGreaterThan(0)
    } finally {
      await redis.server.restart()
    }
  })
})

describe('cacheable with createKeyvStore as its secondary store', () => {
  it('writes both its primary and our store, and serves from our store when its primary is empty', async () => {
    const { store } = usersStore()
    const first = new Cacheable({ secondary: new Keyv({ store }) })
    await first.set('session:1', { user: 1 }, '1m')
    expect(await raw.client.exists('users::keyv:session:1')).toBe(1)
    const second = new Cacheable({ secondary: new Keyv({ store: usersStore().store }) })
    expect(await second.get('session:1')).toEqual({ user: 1 })
    expect(await second.primary.get('session:1')).toEqual({ user: 1 })
  })

  it('serves as its primary too, with no secondary (the store has its own L1)', async () => {
    const { users, store } = usersStore()
    const cacheable = new Cacheable({ primary: new Keyv({ store }) })
    await cacheable.set('session:2', { user: 2 }, '1m')
    expect(await cacheable.get('session:2')).toEqual({ user: 2 })
    expect(await raw.client.exists('users::keyv:session:2')).toBe(1)
    expect(users.getStats().l1.hits).toBe(1)
  })
})
