import { EventEmitter } from 'node:events'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ClusterWatcher } from '../../src/backends/l2/redis/cluster/cluster-watcher.js'
import type { RedisLikeCluster, RedisLikeNode } from '../../src/backends/l2/redis/redis-client.js'

/** A cluster client stand-in: events, a status, primaries the test sets, and counted refreshes. */
class FakeCluster extends EventEmitter {
  status = 'ready'
  primaries: number[] = [7000, 7001, 7002]
  refreshes = 0

  nodes(): RedisLikeNode[] {
    return this.primaries.map((port) => ({ options: { host: '127.0.0.1', port } }) as RedisLikeNode)
  }

  refreshSlotsCache(): void {
    this.refreshes++
  }

  /** The client fetched the slot map: it emits `refresh` after updating its nodes. */
  refreshed(primaries: number[]): void {
    this.primaries = primaries
    this.emit('refresh')
  }
}

function setUp() {
  const fake = new FakeCluster()
  const watcher = new ClusterWatcher(fake as unknown as RedisLikeCluster)
  const changes = { primaries: 0, nodes: 0 }
  watcher.onPrimariesChanged(() => changes.primaries++)
  watcher.onNodesChanged(() => changes.nodes++)
  return { fake, watcher, changes }
}

beforeEach(() => {
  vi.useFakeTimers()
})

afterEach(() => {
  vi.useRealTimers()
})

describe('ClusterWatcher', () => {
  it('reports a change of primaries found by a refresh (a failover), not a refresh that changes nothing', () => {
    const { fake, watcher, changes } = setUp()
    fake.refreshed([7000, 7001, 7002])
    expect(changes.primaries).toBe(0)
    fake.refreshed([7000, 7001, 7005])
    expect(changes.primaries).toBe(1)
    expect(changes.nodes).toBe(2)
    watcher.close()
  })

  it('does not report primaries changed while the client is not ready (its own ready event will)', () => {
    const { fake, watcher, changes } = setUp()
    fake.status = 'connect'
    fake.refreshed([7003, 7004, 7005])
    expect(changes.primaries).toBe(0)
    watcher.close()
  })

  it('asks for a new slot map when a node connection is lost, at most every 500 ms', async () => {
    const { fake, watcher, changes } = setUp()
    fake.emit('-node')
    await vi.advanceTimersByTimeAsync(0)
    expect(fake.refreshes).toBe(1)
    for (let index = 0; index < 10; index++) fake.emit('-node')
    await vi.advanceTimersByTimeAsync(499)
    expect(fake.refreshes).toBe(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(fake.refreshes).toBe(2)
    expect(changes.nodes).toBe(11)
    watcher.close()
  })

  it('leaves the refresh to the client while it reconnects, and no timer after close', async () => {
    const { fake, watcher } = setUp()
    fake.status = 'reconnecting'
    watcher.requestRefresh()
    await vi.advanceTimersByTimeAsync(1000)
    expect(fake.refreshes).toBe(0)
    watcher.requestRefresh()
    watcher.close()
    expect(vi.getTimerCount()).toBe(0)
    expect(fake.listenerCount('refresh') + fake.listenerCount('-node')).toBe(0)
  })
})
