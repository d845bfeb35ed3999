import { afterEach, describe, expect, it } from 'vitest'
import { runL2BackendConformance } from '../../src/addons/testing/index.js'
import { redisL2Backend, valkeyL2Backend } from '../../src/backends/l2/redis/redis-backend.js'
import { CacheFactoryConfig } from '../../src/config/factory-config.js'
import { silentLogger } from '../../src/kernel/logger.js'
import { expectServiceFromEnvClosesCleanly, useRedisSentinel } from '../helpers/scale-out.js'
import { useServices, waitFor } from '../helpers/services.js'
import { expectCleanFailover } from './failover-expectations.js'
import { sentinelPrimaryKilled } from './failover-scenarios.js'
import { LoadRecorder, startLoad } from './load.js'

// One primary, one replica, three Sentinels for the file; the last test kills the primary.
const redis = useRedisSentinel({ downAfterMs: 1000, failoverTimeoutMs: 2000 })
const openService = useServices()

const sentinelConfig = () => ({
  l2Mode: 'sentinel' as const,
  l2Sentinels: redis.set.sentinels,
  l2SentinelName: redis.set.name,
})

for (const [name, factory] of [
  ['redis sentinel', redisL2Backend],
  ['valkey sentinel', valkeyL2Backend],
] as const) {
  runL2BackendConformance(
    name,
    () => factory({ config: new CacheFactoryConfig(sentinelConfig()).resolved, logger: silentLogger }),
    { describe, it, afterEach },
  )
}

describe('Sentinel mode', () => {
  it('connects to the primary the Sentinels name, in the database asked for', async () => {
    const service = openService({ ...sentinelConfig(), l2Db: 3 })
    const cache = service.createCache<string>({ l2KeyPrefix: 'sentinel-db' })
    await cache.set('k', 'v')
    const primary = redis.set.server(await redis.set.masterPort())
    expect(await primary.command('SELECT', '3')).toBe('OK')
    expect(await primary.command('INFO', 'keyspace')).toMatch(/^db3:keys=1,/m)
    expect(service.getStats().l2.status).toBe('ready')
  })
})

describe('Sentinel mode: configured from the environment', () => {
  it.each(['bus', 'tracking'])(
    'works from CACHE_REDIS_SENTINELS and CACHE_REDIS_SENTINEL_NAME, and leaves nothing alive after close (%s)',
    async (invalidation) => {
      await expectServiceFromEnvClosesCleanly('sentinel', {
        CACHE_REDIS_MODE: 'sentinel',
        CACHE_REDIS_SENTINELS: redis.set.sentinels.join(','),
        CACHE_REDIS_SENTINEL_NAME: redis.set.name,
        CACHE_INVALIDATION: invalidation,
      })
    },
  )
})

describe('Sentinel: a manual failover (SENTINEL FAILOVER)', () => {
  it('follows the new primary without a restart; no call throws', async () => {
    const writer = openService(sentinelConfig()).createCache<number>({
      l2KeyPrefix: 'switch',
      l1Enabled: true,
    })
    const reader = openService(sentinelConfig()).createCache<number>({
      l2KeyPrefix: 'switch',
      l1Enabled: true,
    })
    const recorder = new LoadRecorder()
    let written = 0
    const load = startLoad(2, async (worker) => {
      const key = `k${Math.floor(Math.random() * 50)}`
      if (worker === 0) await recorder.time('set', () => writer.set(key, ++written))
      else await recorder.time('get', () => reader.get(key))
    })
    const { newPort } = await redis.set.failover()
    // Writes reach the new primary: the old one was demoted, and the clients asked the Sentinels again.
    await waitFor(
      async () => {
        await writer.set('after', written)
        return (await redis.set.server(newPort).command('EXISTS', 'switch::after')) === '1'
      },
      10_000,
      'a write on the new primary',
    )
    await load.stop()
    expect(recorder.threw, String(recorder.errors)).toBe(0)
    await writer.set('after', written)
    await waitFor(
      async () => (await reader.get('after')) === written,
      5000,
      'the reader seeing the last write',
    )
  }, 60_000)
})

describe('Sentinel: the primary killed under load', () => {
  it('serves from L1, then from the promoted replica without a restart; no call throws, no stale read after recovery', async () => {
    expectCleanFailover(await sentinelPrimaryKilled(redis.set))
  }, 60_000)
})
