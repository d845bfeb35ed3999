import { describe, expect, it } from 'vitest'
import { hashSlot } from '../../src/backends/l2/redis/cluster/slots.js'
import { encodeInvalidation, INVALIDATION_CHANNEL } from '../../src/invalidation/invalidation-message.js'
import type { ResyncEvent } from '../../src/kernel/events.js'
import { useRedisCluster } from '../helpers/scale-out.js'
import { useServices, waitFor } from '../helpers/services.js'
import { expectCleanFailover } from './failover-expectations.js'
import { clusterPrimaryKilled } from './failover-scenarios.js'

// A cluster of its own: each test kills a node (a primary that still has a replica, or a replica).
const redis = useRedisCluster({ nodeTimeoutMs: 1000 })
const openService = useServices()

const clusterConfig = () => ({
  l2Mode: 'cluster' as const,
  l2ClusterNodes: redis.cluster.seeds,
  l2CommandTimeout: 0.25,
  circuitBreakerThreshold: 3,
})

/** The ports whose CLIENT LIST shows a connection matching `pattern`. */
async function portsWithClient(pattern: RegExp): Promise<number[]> {
  const ports: number[] = []
  for (const port of redis.cluster.livePorts) {
    const lines = (await redis.cluster.server(port).command('CLIENT', 'LIST')).split('\n')
    if (lines.some((line) => pattern.test(line))) ports.push(port)
  }
  return ports
}

describe('Redis Cluster: a primary killed under load', () => {
  it('serves from L1, then from the promoted replica without a restart; no call throws, no stale read after recovery', async () => {
    expectCleanFailover(await clusterPrimaryKilled(redis.cluster))
  }, 60_000)
})

describe('Redis Cluster: invalidation across a failover', () => {
  it('tracking: the promoted primary is tracked too, after a resync, and reports changes made there', async () => {
    const service = openService({ ...clusterConfig(), invalidation: 'tracking' })
    const cache = service.createCache<string>({ l2KeyPrefix: 'tracked-failover', l1Enabled: true })
    const resyncs: ResyncEvent[] = []
    service.on('resync', (event) => resyncs.push(event))
    const victim = (await redis.cluster.mastersWithReplica())[0]
    if (victim === undefined) throw new Error('no primary with a replica left')
    let index = 0
    const onVictim = (key: string) =>
      victim.slots.some(([from, to]) => hashSlot(key) >= from && hashSlot(key) <= to)
    while (!onVictim(`tracked-failover::k${index}`)) index++
    const key = `k${index}`
    await cache.set(key, 'v1')
    const trackedEverywhere = async () => {
      const tracked = await portsWithClient(/flags=\S*t/)
      return (await redis.cluster.masters()).every((primary) => tracked.includes(primary.port))
    }
    await waitFor(trackedEverywhere, 5000, 'tracking on every primary')

    const heir = await redis.cluster.killMaster(victim.port)
    await redis.cluster.waitForFailover(victim.port, heir)
    await waitFor(
      async () => (await portsWithClient(/flags=\S*t/)).includes(heir),
      10_000,
      'tracking on the promoted primary',
    )
    // Changes made on the new primary before it was tracked could not be reported: L1 was dropped.
    await waitFor(() => resyncs.some((event) => event.reason === 'subscriber'), 5000, 'a resync')

    await cache.set(key, 'v2')
    expect(cache.getStats().l1.size).toBe(1)
    await redis.cluster.server(heir).command('SET', `tracked-failover::${key}`, 'written by another program')
    await waitFor(() => cache.getStats().l1.size === 0, 3000, 'the change on the new primary reported')
  }, 60_000)

  it('bus: when the node it listens on dies, the subscriber moves to another node, resyncs, and hears again', async () => {
    // The subscriber picks a node at random: keep a service whose node may die without taking the
    // cluster down (a replica, or a primary that still has one).
    const canDie = async (port: number) =>
      (await redis.cluster.topology()).some(
        (node) => node.port === port && node.role === 'replica' && !node.failing,
      ) || (await redis.cluster.mastersWithReplica()).some((node) => node.port === port)
    let chosen: { port: number; service: ReturnType<typeof openService> } | undefined
    for (let attempt = 0; attempt < 30 && chosen === undefined; attempt++) {
      const service = openService(clusterConfig())
      service.createCache<string>({ l2KeyPrefix: 'bus-failover', l1Enabled: true })
      await waitFor(async () => (await portsWithClient(/ sub=1/)).length === 1, 5000, 'the subscriber')
      const [port] = await portsWithClient(/ sub=1/)
      if (port !== undefined && (await canDie(port))) chosen = { port, service }
      else await service.close()
    }
    if (chosen === undefined) throw new Error('no subscriber landed on a node that may die')
    const { port, service } = chosen
    const cache = service.getCache<string>('bus-failover')
    if (cache === undefined) throw new Error('cache missing')
    const resyncs: ResyncEvent[] = []
    service.on('resync', (event) => resyncs.push(event))
    const wasPrimary = (await redis.cluster.masters()).some((node) => node.port === port)

    if (wasPrimary) {
      const heir = await redis.cluster.killMaster(port)
      await redis.cluster.waitForFailover(port, heir)
    } else {
      await redis.cluster.kill(port)
    }
    await waitFor(() => resyncs.some((event) => event.reason === 'subscriber'), 10_000, 'the resync')
    const [newPort] = await portsWithClient(/ sub=1/)
    expect(newPort).toBeDefined()
    expect(newPort).not.toBe(port)

    await cache.set('k', 'v')
    const received = cache.getStats().invalidation.messagesReceived
    const message = encodeInvalidation({ sender: 'another-instance', cache: 'bus-failover', keys: ['k'] })
    await redis.cluster
      .server(redis.cluster.livePorts[0] as number)
      .command('PUBLISH', INVALIDATION_CHANNEL, message)
    await waitFor(() => cache.getStats().invalidation.messagesReceived > received, 3000, 'the message')
    expect(cache.getStats().l1.size).toBe(0)
  }, 60_000)
})
