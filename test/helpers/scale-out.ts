import { afterAll, beforeAll, expect } from 'vitest'
import { RedisCluster, type RedisClusterOptions } from './redis-cluster.js'
import { type RedisSentinelOptions, RedisSentinelSet } from './redis-sentinel.js'
import { runTsScript } from './run-script.js'

/** Starts one Redis Cluster for the file (beforeAll) and kills it after (afterAll). */
export function useRedisCluster(options: RedisClusterOptions = {}): { readonly cluster: RedisCluster } {
  const holder = {} as { cluster: RedisCluster }
  beforeAll(async () => {
    holder.cluster = await RedisCluster.start(options)
  }, 60_000)
  afterAll(async () => {
    await holder.cluster?.stop()
  })
  return holder
}

/** Starts one primary/replica/Sentinels set for the file (beforeAll) and kills it after (afterAll). */
export function useRedisSentinel(options: RedisSentinelOptions = {}): { readonly set: RedisSentinelSet } {
  const holder = {} as { set: RedisSentinelSet }
  beforeAll(async () => {
    holder.set = await RedisSentinelSet.start(options)
  }, 60_000)
  afterAll(async () => {
    await holder.set?.stop()
  })
  return holder
}

/**
 * Runs test/fixtures/scale-out-close-and-exit.ts with the CACHE_* variables `env`: a service built by
 * `CacheFactoryConfig.fromEnv` writes, lists and clears 20 keys, closes, and must exit on its own.
 */
export async function expectServiceFromEnvClosesCleanly(
  mode: 'cluster' | 'sentinel',
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const result = await runTsScript('test/fixtures/scale-out-close-and-exit.ts', env, 15_000)
  expect(result.output).toContain(`mode ${mode}, listed 20`)
  expect(result.output).toContain('cleared 20, ping true')
  expect(result.output).toContain('closed')
  expect(result.code).toBe(0)
}
