import { afterAll, beforeAll } from 'vitest'
import { RedisCluster, type RedisClusterOptions } from './redis-cluster.js'
import { type RedisSentinelOptions, RedisSentinelSet } from './redis-sentinel.js'

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
