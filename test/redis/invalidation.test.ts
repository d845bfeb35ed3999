import { spawnSync } from 'node:child_process'
import { Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import type { InvalidationMode } from '../../src/config/options.js'
import { INVALIDATION_CHANNEL } from '../../src/invalidation/invalidation-message.js'
import type { ResyncEvent } from '../../src/kernel/events.js'
import { registerInstrumentedBackend } from '../helpers/instrumented-backend.js'
import { useRawClient, useRedisServer, useServices, waitFor } from '../helpers/services.js'

const redis = useRedisServer()
const openService = useServices()
const rawClient = useRawClient(redis)

/** Two instances of one application: services on the same Redis with the same cache, L1 on. */
function twoInstances(invalidation: InvalidationMode, prefix: string) {
  const a = openService({ l2Url: redis.server.url, invalidation })
  const b = openService({ l2Url: redis.server.url, invalidation })
  const options = { l2KeyPrefix: prefix, l1Enabled: true }
  return { a, b, cacheA: a.createCache<string>(options), cacheB: b.createCache<string>(options) }
}

/**
 * Resolves once `count` services have their invalidation connection subscribed and, for tracking,
 * their main connection tracking (flag `t` in CLIENT LIST).
 */
async function subscribed(count = 2, tracking = false): Promise<void> {
  await waitFor(
    async () => {
      const lines = (await redis.server.command('CLIENT', 'LIST')).split('\n')
      const subscribers = lines.filter((line) => /flags=\S*P/.test(line) || / sub=[1-9]/.test(line)).length
      const trackers = lines.filter((line) => /flags=\S*t/.test(line)).length
      return subscribers >= count && (!tracking || trackers >= count)
    },
    5000,
    `${count} invalidation connections`,
  )
}

describe("invalidation 'bus'", () => {
  it("drops another instance's L1 copy when a key is updated or deleted", async () => {
    const { cacheA, cacheB } = twoInstances('bus', 'bus-basic')
    await subscribed()
    await cacheA.set('k', 'v1')
    expect(await cacheB.get('k')).toBe('v1')
    await waitFor(() => cacheB.getStats().invalidation.messagesReceived === 1, 2000, 'the first message')
    expect(await cacheB.get('k')).toBe('v1')

    await cacheA.set('k', 'v2')
    await waitFor(() => cacheB.getStats().invalidation.messagesReceived === 2, 2000, 'the update message')
    expect(await cacheB.get('k')).toBe('v2')

    await cacheA.delete('k')
    await waitFor(() => cacheB.getStats().invalidation.messagesReceived === 3, 2000, 'the delete message')
    expect(await cacheB.get('k')).toBeUndefined()
    expect(cacheB.getStats().invalidation.keysInvalidated).toBeGreaterThanOrEqual(2)
  })

  it('ignores its own messages, and coalesces the writes of one tick into one message', async () => {
    const { cacheA, cacheB } = twoInstances('bus', 'bus-batch')
    await subscribed()
    await Promise.all(Array.from({ length: 100 }, (_, i) => cacheA.set(`k${i}`, `v${i}`)))
    await waitFor(() => cacheA.getStats().invalidation.keysSent === 100, 2000, 'the announcements')
    expect(cacheA.getStats().invalidation.messagesSent).toBeLessThanOrEqual(3)
    // A's own L1 keeps what it wrote: its own messages are not applied to it.
    expect(cacheA.getStats().l1.size).toBe(100)
    expect(cacheA.getStats().invalidation.messagesReceived).toBe(0)
    await waitFor(() => cacheB.getStats().invalidation.messagesReceived >= 1, 2000, 'B hearing it')
  })

  it('never publishes for reads and promotions', async () => {
    const { cacheA, cacheB } = twoInstances('bus', 'bus-reads')
    await cacheA.set('k', 'v')
    await waitFor(() => cacheA.getStats().invalidation.messagesSent === 1, 2000, 'the write announced')
    const listener = new Redis(redis.server.url)
    const heard: string[] = []
    listener.on('message', (_channel, message: string) => heard.push(message))
    await listener.subscribe(INVALIDATION_CHANNEL)
    try {
      for (let i = 0; i < 20; i++) await cacheB.get('k')
      await cacheB.get('missing')
      await cacheA.isOnCache('k')
      await cacheA.getTtl('k')
      // A write afterwards is heard: had the reads published, their messages would have come first.
      await cacheA.set('marker', 'x')
      await waitFor(() => heard.length > 0, 2000, 'the marker')
      expect(heard).toHaveLength(1)
      expect(heard[0]).toContain('marker')
    } finally {
      await listener.quit()
    }
  })

  it('journals a key whose announcement failed, and repairs it (UNLINK, then announce) later', async () => {
    const instrumented = registerInstrumentedBackend()
    const a = openService({ l2Url: redis.server.url, l2Backend: instrumented.name })
    const cacheA = a.createCache<string>({ l2KeyPrefix: 'bus-fail', l1Enabled: true })
    const b = openService({ l2Url: redis.server.url })
    const cacheB = b.createCache<string>({ l2KeyPrefix: 'bus-fail', l1Enabled: true })
    await subscribed()
    await cacheA.set('k', 'v1')
    expect(await cacheB.get('k')).toBe('v1')
    const before = cacheB.getStats().invalidation.messagesReceived
    instrumented.log.failPublish = true
    await cacheA.set('k', 'v2')
    await waitFor(() => cacheA.getStats().l2.pendingRepairs === 1, 2000, 'the failed announcement journaled')
    // Reads of a journaled key skip L2, which may be out of step with the other instances.
    instrumented.log.failPublish = false
    // The next successful L2 call schedules the repair: the key is unlinked and announced.
    await cacheA.get('other')
    await waitFor(() => cacheA.getStats().l2.pendingRepairs === 0, 2000, 'the repair')
    await waitFor(() => cacheB.getStats().invalidation.messagesReceived > before, 2000, 'the announcement')
    expect(await cacheB.get('k')).toBeUndefined()
    expect(await rawClient.client.exists('bus-fail::k')).toBe(0)
  })

  it('keeps a read that was in flight when the invalidation arrived out of L1', async () => {
    const instrumented = registerInstrumentedBackend()
    const a = openService({ l2Url: redis.server.url })
    const b = openService({ l2Url: redis.server.url, l2Backend: instrumented.name })
    const cacheA = a.createCache<string>({ l2KeyPrefix: 'race', l1Enabled: true })
    const cacheB = b.createCache<string>({ l2KeyPrefix: 'race', l1Enabled: true })
    await subscribed()
    await cacheA.set('k', 'old')
    await waitFor(() => cacheB.getStats().invalidation.messagesReceived === 1, 2000, 'the first message')

    // B's read of 'old' is held before its GET goes out; meanwhile A writes 'new' and announces it.
    let release: () => void = () => undefined
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    let getStarted: () => void = () => undefined
    const started = new Promise<void>((resolve) => {
      getStarted = resolve
    })
    instrumented.log.beforeGet = () => {
      getStarted()
      return held
    }
    const slowRead = cacheB.get('k')
    await started
    // The old value is what this GET will see: put it back in L2 as it was when the read began.
    const oldBytes = await rawClient.client.getBuffer('race::k')
    await cacheA.set('k', 'new')
    await waitFor(() => cacheB.getStats().invalidation.messagesReceived === 2, 2000, 'the invalidation')
    if (oldBytes !== null) await rawClient.client.set('race::k', oldBytes)
    instrumented.log.beforeGet = undefined
    release()
    expect(await slowRead).toBe('old')
    // The answer it got is returned, but it did not become B's L1 copy.
    expect(cacheB.getStats().l1.size).toBe(0)
  })

  it('resyncs L1 when the bus connection is killed, and hears messages again after it is back', async () => {
    const { b, cacheA, cacheB } = twoInstances('bus', 'bus-kill')
    await subscribed()
    await cacheA.set('k', 'v1')
    expect(await cacheB.get('k')).toBe('v1')
    await waitFor(() => cacheB.getStats().invalidation.messagesReceived === 1, 2000, 'the first message')
    expect(await cacheB.get('k')).toBe('v1')
    const resynced = new Promise<ResyncEvent>((resolve) => b.once('resync', resolve))
    await redis.server.command('CLIENT', 'KILL', 'TYPE', 'pubsub')
    expect(await resynced).toMatchObject({ cache: 'bus-kill', reason: 'subscriber' })
    expect(cacheB.getStats().l1.size).toBe(0)
    expect(await cacheB.get('k')).toBe('v1')
    await cacheA.set('k', 'v2')
    await waitFor(
      () => cacheB.getStats().invalidation.messagesReceived >= 2,
      3000,
      'a message after reconnection',
    )
    expect(await cacheB.get('k')).toBe('v2')
  })

  it('ignores unreadable messages on the channel', async () => {
    const { cacheB } = twoInstances('bus', 'bus-noise')
    await cacheB.set('k', 'v')
    await subscribed()
    for (const noise of ['not json', '[1,2]', '["x","bus-noise",[1]]', '{}']) {
      await rawClient.client.publish(INVALIDATION_CHANNEL, noise)
    }
    await rawClient.client.publish(INVALIDATION_CHANNEL, JSON.stringify(['someone-else', 'bus-noise', ['k']]))
    await waitFor(() => cacheB.getStats().invalidation.messagesReceived === 1, 2000, 'the readable message')
    expect(cacheB.getStats().l1.size).toBe(0)
  })
})

describe("invalidation 'tracking'", () => {
  function redisCli(...args: string[]): string {
    const result = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(redis.server.port), ...args], {
      encoding: 'utf8',
      timeout: 5000,
    })
    expect(result.status).toBe(0)
    return result.stdout.trim()
  }

  it('drops L1 copies on every instance when another program SETs or DELs a cached key', async () => {
    const { cacheA, cacheB } = twoInstances('tracking', 'trk')
    await subscribed(2, true)
    await cacheA.set('k1', 'v1')
    await cacheA.set('k2', 'v2')
    expect(await cacheB.get('k1')).toBe('v1')
    expect(await cacheB.get('k2')).toBe('v2')
    await waitFor(() => cacheA.getStats().l1.size === 2 && cacheB.getStats().l1.size === 2, 2000, 'warm L1s')

    expect(redisCli('SET', 'trk::k1', 'written by redis-cli')).toBe('OK')
    await waitFor(
      () => cacheA.getStats().l1.size === 1 && cacheB.getStats().l1.size === 1,
      2000,
      'k1 dropped everywhere',
    )
    expect(redisCli('DEL', 'trk::k2')).toBe('1')
    await waitFor(
      () => cacheA.getStats().l1.size === 0 && cacheB.getStats().l1.size === 0,
      2000,
      'k2 dropped everywhere',
    )
    expect(await cacheB.get('k2')).toBeUndefined()
  })

  it("does not report an instance's own writes back to it, but reports them to the others", async () => {
    const { cacheA, cacheB } = twoInstances('tracking', 'trk-own')
    await subscribed(2, true)
    await cacheA.set('k', 'v1')
    expect(await cacheB.get('k')).toBe('v1')
    await cacheA.set('k', 'v2')
    await waitFor(() => cacheB.getStats().invalidation.messagesReceived >= 1, 2000, 'B hearing A')
    expect(await cacheB.get('k')).toBe('v2')
    expect(cacheA.getStats().l1.size).toBe(1)
  })

  it('drops all of L1 when the database is flushed', async () => {
    const { cacheA, cacheB } = twoInstances('tracking', 'trk-flush')
    await subscribed(2, true)
    await cacheA.set('k', 'v')
    expect(await cacheB.get('k')).toBe('v')
    redisCli('FLUSHALL')
    await waitFor(
      () => cacheA.getStats().l1.size === 0 && cacheB.getStats().l1.size === 0,
      3000,
      'L1s emptied',
    )
  })
})

describe("invalidation 'none'", () => {
  it('opens no subscriber connection and leaves other instances stale until l1Ttl, as documented', async () => {
    const { cacheA, cacheB } = twoInstances('none', 'none')
    await cacheA.set('k', 'v1')
    expect(await cacheB.get('k')).toBe('v1')
    await cacheA.set('k', 'v2')
    expect(await cacheB.get('k')).toBe('v1')
    const pubsub = await redis.server.command('CLIENT', 'LIST', 'TYPE', 'pubsub')
    expect(pubsub).not.toContain('addr=')
    expect(cacheA.getStats().invalidation).toMatchObject({ mode: 'none', messagesSent: 0 })
  })
})
