import { Cluster } from 'ioredis'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runL2BackendConformance } from '../../src/addons/testing/index.js'
import type { L2Backend } from '../../src/backends/l2/l2-backend.js'
import { hashSlot } from '../../src/backends/l2/redis/cluster/slots.js'
import { redisL2Backend, valkeyL2Backend } from '../../src/backends/l2/redis/redis-backend.js'
import { CacheFactoryConfig } from '../../src/config/factory-config.js'
import type { InvalidationMode } from '../../src/config/options.js'
import { encodeInvalidation, INVALIDATION_CHANNEL } from '../../src/invalidation/invalidation-message.js'
import { silentLogger } from '../../src/kernel/logger.js'
import { expectServiceFromEnvClosesCleanly, useRedisCluster } from '../helpers/scale-out.js'
import { useServices, waitFor } from '../helpers/services.js'

// One cluster for the whole file: 3 primaries, 3 replicas.
const redis = useRedisCluster()
const openService = useServices()
const test = { describe, it, afterEach }

const clusterConfig = () => ({ l2Mode: 'cluster' as const, l2ClusterNodes: redis.cluster.seeds })

for (const [name, factory] of [
  ['redis cluster', redisL2Backend],
  ['valkey cluster', valkeyL2Backend],
] as const) {
  runL2BackendConformance(
    name,
    () => factory({ config: new CacheFactoryConfig(clusterConfig()).resolved, logger: silentLogger }),
    test,
  )
}

/** A backend on the cluster, closed after the test. */
function useBackend(): () => Promise<L2Backend> {
  const opened: L2Backend[] = []
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((backend) => backend.close()))
  })
  return async () => {
    const backend = redisL2Backend({
      config: new CacheFactoryConfig(clusterConfig()).resolved,
      logger: silentLogger,
    })
    opened.push(backend)
    await waitFor(() => backend.readiness() === 'ready', 5000, 'the cluster client ready')
    return backend
  }
}

/** The port of the primary that serves `key`. */
async function primaryOf(key: string): Promise<number> {
  const slot = hashSlot(key)
  const owner = (await redis.cluster.masters()).find((node) =>
    node.slots.some(([from, to]) => slot >= from && slot <= to),
  )
  if (owner === undefined) throw new Error(`no primary serves slot ${slot}`)
  return owner.port
}

/** Resolves once `count` connections are subscribed somewhere in the cluster (and, for tracking, track on every primary). */
async function invalidationInPlace(count: number, tracking: boolean): Promise<void> {
  await waitFor(
    async () => {
      let subscribers = 0
      for (const port of redis.cluster.livePorts) {
        const lines = (await redis.cluster.server(port).command('CLIENT', 'LIST')).split('\n')
        subscribers += lines.filter((line) => / sub=[1-9]/.test(line)).length
      }
      if (!tracking) return subscribers >= count
      for (const primary of await redis.cluster.masters()) {
        const lines = (await redis.cluster.server(primary.port).command('CLIENT', 'LIST')).split('\n')
        if (lines.filter((line) => /flags=\S*t/.test(line)).length < count) return false
      }
      return subscribers >= count
    },
    5000,
    `${count} invalidation connections in place`,
  )
}

describe('cluster mode: keys spread over every primary', () => {
  const openBackend = useBackend()
  beforeEach(async () => {
    await redis.cluster.flushAll()
  })

  it('clear() and listKeys() cover every primary, and only this cache', async () => {
    const service = openService(clusterConfig())
    const users = service.createCache<number>({ l2KeyPrefix: 'users', l1Enabled: true })
    const others = service.createCache<number>({ l2KeyPrefix: 'users:archive' })
    for (let index = 0; index < 300; index++) await users.set(`u${index}`, index)
    for (let index = 0; index < 30; index++) await others.set(`u${index}`, index)
    // Right after start-up too: commands for a node whose connection is still being made wait for it.
    expect(users.getStats().l2.errors).toBe(0)
    expect(others.getStats().l2.errors).toBe(0)

    const perPrimary = await redis.cluster.keysPerMaster()
    expect(perPrimary.size).toBe(3)
    for (const [port, count] of perPrimary) expect(count, `keys on the primary ${port}`).toBeGreaterThan(50)

    const listed = await users.listKeys()
    expect(listed.sort()).toEqual(Array.from({ length: 300 }, (_, index) => `u${index}`).sort())
    expect(await users.listKeys('u1', { limit: 1000 })).toHaveLength(111)

    const cleared = await users.clear()
    expect(cleared.l2Cleared).toBe(true)
    expect(cleared.l2ItemsRemoved).toBe(300)
    const left = [...(await redis.cluster.keysPerMaster()).values()].reduce((sum, count) => sum + count, 0)
    expect(left).toBe(30)
    expect(await others.listKeys()).toHaveLength(30)
  })

  it('scans the primaries only, each once', async () => {
    const backend = await openBackend()
    for (let index = 0; index < 200; index++)
      await backend.set(`scan::k${index}`, new Uint8Array([1]), 60_000)
    for (const port of redis.cluster.livePorts)
      await redis.cluster.server(port).command('CONFIG', 'RESETSTAT')
    const found: string[] = []
    let cursor = '0'
    let steps = 0
    do {
      const page = await backend.scan(cursor, 'scan::*', 1000)
      found.push(...page.keys)
      cursor = page.cursor
      steps++
    } while (cursor !== '0')
    expect(new Set(found).size).toBe(200)
    // COUNT 1000 takes a primary's keys in one step: one step per primary.
    expect(steps).toBe(3)
    const primaries = new Set((await redis.cluster.masters()).map((node) => node.port))
    for (const port of redis.cluster.livePorts) {
      const stats = await redis.cluster.server(port).command('INFO', 'commandstats')
      const scans = Number(/cmdstat_scan:calls=(\d+)/.exec(stats)?.[1] ?? 0)
      if (primaries.has(port)) expect(scans, `SCANs on the primary ${port}`).toBe(1)
      else expect(scans, `SCANs on the replica ${port}`).toBe(0)
    }
  })

  it('deletes keys of many slots in one call, which one UNLINK could not', async () => {
    const backend = await openBackend()
    const keys = Array.from({ length: 60 }, (_, index) => `del::k${index}`)
    keys.push('del::{tag}a', 'del::{tag}b')
    expect(new Set(keys.map(hashSlot)).size).toBeGreaterThan(50)
    for (const key of keys) await backend.set(key, new Uint8Array([1]), 60_000)
    // The same keys in one command are refused by the cluster: the split is what makes this work.
    const raw = new Cluster(
      redis.cluster.seeds.map((seed) => ({ host: '127.0.0.1', port: Number(seed.split(':')[1]) })),
    )
    try {
      await expect(raw.unlink(...keys)).rejects.toThrow(/CROSSSLOT/)
    } finally {
      raw.disconnect()
    }
    expect(await backend.delete([...keys, 'del::missing'])).toBe(keys.length)
    for (const key of keys) expect(await backend.exists(key)).toBe(false)
  })

  it('reports ready, and a ping reaches every primary', async () => {
    const service = openService(clusterConfig())
    expect(await service.ping()).toBe(true)
    const stats = service.getStats()
    expect(stats.l2.status).toBe('ready')
    expect(stats.l2.connected).toBe(true)
  })
})

describe('cluster mode: loading', () => {
  it('lets one instance load a missing key while others wait (distributed lock on the key slot)', async () => {
    const caches = [openService(clusterConfig()), openService(clusterConfig())].map((service) =>
      service.createCache<string>({ l2KeyPrefix: 'locked', l1Enabled: true }),
    )
    let calls = 0
    const loader = async () => {
      calls++
      await new Promise((resolve) => setTimeout(resolve, 50))
      return 'loaded'
    }
    const values = await Promise.all(
      caches.flatMap((cache) =>
        Array.from({ length: 100 }, () => cache.getOrSet('report', loader, { lock: 'distributed' })),
      ),
    )
    expect(new Set(values)).toEqual(new Set(['loaded']))
    expect(calls).toBe(1)
    // The lock was released by its compare-and-delete script, not left to expire.
    const lockOwner = await primaryOf('::lock::locked::report')
    expect(await redis.cluster.server(lockOwner).command('EXISTS', '::lock::locked::report')).toBe('0')
    const valueOwner = await primaryOf('locked::report')
    expect(await redis.cluster.server(valueOwner).command('EXISTS', 'locked::report')).toBe('1')
  })
})

describe('cluster mode: coherence across instances', () => {
  function twoInstances(invalidation: InvalidationMode, prefix: string) {
    const a = openService({ ...clusterConfig(), invalidation })
    const b = openService({ ...clusterConfig(), invalidation })
    const options = { l2KeyPrefix: prefix, l1Enabled: true }
    return { cacheA: a.createCache<string>(options), cacheB: b.createCache<string>(options) }
  }

  it("bus: a write on one instance drops the other's L1 copy, for keys on every primary", async () => {
    const { cacheA, cacheB } = twoInstances('bus', 'bus-cluster')
    await invalidationInPlace(2, false)
    const keys = Array.from({ length: 12 }, (_, index) => `k${index}`)
    for (const key of keys) await cacheA.set(key, 'v1')
    for (const key of keys) expect(await cacheB.get(key)).toBe('v1')
    for (const key of keys) await cacheA.set(key, 'v2')
    await waitFor(
      () => cacheB.getStats().invalidation.keysInvalidated >= keys.length,
      3000,
      'B hearing every update',
    )
    for (const key of keys) expect(await cacheB.get(key)).toBe('v2')
  })

  it('bus: a message published on any node reaches a subscriber on whichever node it is', async () => {
    const { cacheB } = twoInstances('bus', 'bus-any-node')
    await invalidationInPlace(2, false)
    await cacheB.set('k', 'v')
    let expected = 0
    for (const port of redis.cluster.livePorts) {
      await cacheB.set('k', 'v')
      expect(cacheB.getStats().l1.size).toBe(1)
      const message = encodeInvalidation({ sender: 'another-instance', cache: 'bus-any-node', keys: ['k'] })
      await redis.cluster.server(port).command('PUBLISH', INVALIDATION_CHANNEL, message)
      expected++
      await waitFor(
        () => cacheB.getStats().invalidation.messagesReceived === expected,
        3000,
        `the message published on ${port}`,
      )
      expect(cacheB.getStats().l1.size).toBe(0)
    }
  })

  it('tracking: a write by another program, on any primary, drops the L1 copy; own writes do not', async () => {
    const { cacheA, cacheB } = twoInstances('tracking', 'tracked-cluster')
    await invalidationInPlace(2, true)
    const keys = Array.from({ length: 12 }, (_, index) => `k${index}`)
    for (const key of keys) await cacheA.set(key, 'v1')
    for (const key of keys) expect(await cacheB.get(key)).toBe('v1')
    // Another program deletes each key on the primary that holds it.
    const touched = new Set<number>()
    for (const key of keys) {
      const owner = await primaryOf(`tracked-cluster::${key}`)
      touched.add(owner)
      await redis.cluster.server(owner).command('DEL', `tracked-cluster::${key}`)
    }
    expect(touched.size).toBe(3)
    await waitFor(() => cacheB.getStats().l1.size === 0, 3000, "B's L1 emptied by the reports")
    await waitFor(() => cacheA.getStats().l1.size === 0, 3000, "A's L1 emptied by the reports")
    for (const key of keys) expect(await cacheB.get(key)).toBeUndefined()

    // A's own writes are not reported back to it. A marker written by B on every primary after them
    // arrives after any report of them would have (reports of one primary come in order).
    for (const key of keys) await cacheA.set(key, 'v2')
    const reportsBefore = cacheA.getStats().invalidation.messagesReceived
    const markers = new Map<number, string>()
    for (let index = 0; markers.size < 3; index++) {
      const owner = await primaryOf(`tracked-cluster::marker${index}`)
      if (!markers.has(owner)) markers.set(owner, `marker${index}`)
    }
    for (const marker of markers.values()) await cacheB.set(marker, 'm')
    await waitFor(
      () => cacheA.getStats().invalidation.messagesReceived >= reportsBefore + markers.size,
      3000,
      'the markers reported to A',
    )
    expect(cacheA.getStats().invalidation.messagesReceived).toBe(reportsBefore + markers.size)
    expect(cacheA.getStats().l1.size).toBe(keys.length)
  })
})

describe('cluster mode: a Cluster client given as l2Client', () => {
  it('is used as is and left open by close()', async () => {
    const client = new Cluster(
      redis.cluster.seeds.map((seed) => ({ host: '127.0.0.1', port: Number(seed.split(':')[1]) })),
      // As docs/scaling-out.md recommends for a Cluster of one's own.
      {
        enableOfflineQueue: true,
        retryDelayOnFailover: 0,
        retryDelayOnClusterDown: 0,
        redisOptions: { autoResendUnfulfilledCommands: false, maxRetriesPerRequest: 0 },
      },
    )
    try {
      const service = openService({ l2Client: client })
      expect(service.config.resolved.l2Mode).toBe('cluster')
      const cache = service.createCache<number>({ l2KeyPrefix: 'given', l1Enabled: false })
      await waitFor(() => service.getStats().l2.connected, 5000, 'the given client ready')
      for (let index = 0; index < 30; index++) await cache.set(`k${index}`, index)
      expect(cache.getStats().l2.errors).toBe(0)
      expect((await cache.listKeys()).length).toBe(30)
      expect((await cache.clear()).l2ItemsRemoved).toBe(30)
      await service.close()
      expect(client.status).toBe('ready')
      expect(await client.ping()).toBe('PONG')
    } finally {
      client.disconnect()
    }
  })
})

describe('cluster mode: configured from the environment', () => {
  it.each(['bus', 'tracking'])(
    'works from CACHE_REDIS_MODE and CACHE_REDIS_CLUSTER_NODES, and leaves nothing alive after close (%s)',
    async (invalidation) => {
      await expectServiceFromEnvClosesCleanly('cluster', {
        CACHE_REDIS_MODE: 'cluster',
        CACHE_REDIS_CLUSTER_NODES: redis.cluster.seeds.slice(0, 2).join(','),
        CACHE_INVALIDATION: invalidation,
      })
    },
  )
})
