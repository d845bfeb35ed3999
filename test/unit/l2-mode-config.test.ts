import { describe, expect, it } from 'vitest'
import type { CacheEnvSource } from '../../src/config/env-keys.js'
import { CacheFactoryConfig } from '../../src/config/factory-config.js'
import type { CacheFactoryConfigOptions } from '../../src/config/options.js'
import { configError } from '../helpers/config-error.js'

/** Builds a config from options the type system would refuse, as JavaScript callers can. */
const build = (options: Record<string, unknown>) =>
  new CacheFactoryConfig(options as CacheFactoryConfigOptions)
const fromEnv = (env: CacheEnvSource) => CacheFactoryConfig.fromEnv(env)

/** What a Cluster client looks like to the configuration: ioredis and iovalkey mark it `isCluster`. */
const fakeClusterClient = { isCluster: true, status: 'ready' }
const fakeSingleClient = { status: 'ready' }

describe('l2Mode: cluster', () => {
  it('takes the seed nodes as host:port strings, [IPv6]:port or { host, port }', () => {
    const { resolved } = build({
      l2Mode: 'cluster',
      l2ClusterNodes: ['10.0.0.1:7000', '[::1]:7001', { host: 'cache-3', port: 7002 }],
    })
    expect(resolved.l2Mode).toBe('cluster')
    expect(resolved.l2ClusterNodes).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: '::1', port: 7001 },
      { host: 'cache-3', port: 7002 },
    ])
  })

  it('seeds from l2Host and l2Port when no nodes are given', () => {
    const { resolved } = build({ l2Mode: 'cluster', l2Host: 'cache', l2Port: 7000 })
    expect(resolved.l2ClusterNodes).toEqual([{ host: 'cache', port: 7000 }])
  })

  it("seeds from the URL's server when a URL is given", () => {
    const { resolved } = build({ l2Mode: 'cluster', l2Url: 'rediss://user:pw@[::1]:7100' })
    expect(resolved.l2ClusterNodes).toEqual([{ host: '::1', port: 7100 }])
    expect(build({ l2Mode: 'cluster', l2Url: 'redis://cache' }).resolved.l2ClusterNodes).toEqual([
      { host: 'cache', port: 6379 },
    ])
  })

  it('reads CACHE_REDIS_MODE and CACHE_REDIS_CLUSTER_NODES, comma-separated, blanks and spaces dropped', () => {
    const { resolved } = fromEnv({
      CACHE_REDIS_MODE: 'cluster',
      CACHE_REDIS_CLUSTER_NODES: ' 10.0.0.1:7000, 10.0.0.2:7000 ,',
    })
    expect(resolved.l2Mode).toBe('cluster')
    expect(resolved.l2ClusterNodes).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: '10.0.0.2', port: 7000 },
    ])
  })

  it('implies cluster mode for a Cluster given as l2Client', () => {
    expect(build({ l2Client: fakeClusterClient }).resolved.l2Mode).toBe('cluster')
    expect(build({ l2Client: fakeClusterClient, l2Mode: 'cluster' }).resolved.l2Mode).toBe('cluster')
  })

  it.each([
    [{ l2Mode: 'cluster', l2ClusterNodes: 'a:7000' }, 'l2ClusterNodes', "in an array, got 'a:7000'"],
    [{ l2Mode: 'cluster', l2ClusterNodes: [] }, 'l2ClusterNodes', 'got none'],
    [{ l2Mode: 'cluster', l2ClusterNodes: ['cache'] }, 'l2ClusterNodes', "got 'cache'"],
    [{ l2Mode: 'cluster', l2ClusterNodes: ['cache:0'] }, 'l2ClusterNodes', "got 'cache:0'"],
    [{ l2Mode: 'cluster', l2ClusterNodes: ['cache:65536'] }, 'l2ClusterNodes', "got 'cache:65536'"],
    [{ l2Mode: 'cluster', l2ClusterNodes: [{ host: '', port: 1 }] }, 'l2ClusterNodes', '"host":""'],
    [{ l2Mode: 'cluster', l2ClusterNodes: [{ host: 'a', port: '1' }] }, 'l2ClusterNodes', '"port":"1"'],
    [{ l2Mode: 'cluster', l2Db: 2 }, 'l2Db', 'only database 0, got 2'],
    [{ l2Mode: 'cluster', l2Url: 'redis://cache:7000/3' }, 'l2Url', 'database 3'],
    [{ l2ClusterNodes: ['a:7000'] }, 'l2ClusterNodes', "is 'cluster', but it is 'standalone'"],
    [{ l2Mode: 'sentinel', l2ClusterNodes: ['a:7000'] }, 'l2ClusterNodes', "but it is 'sentinel'"],
    [{ l2Mode: 'cluster', l2Client: fakeSingleClient }, 'l2Client', 'needs an ioredis/iovalkey Cluster'],
    [{ l2Mode: 'standalone', l2Client: fakeClusterClient }, 'l2Mode', 'the l2Client is a Cluster'],
  ])('rejects %j, naming %s', (options, field, shown) => {
    const error = configError(() => build(options))
    expect(error.field).toBe(field)
    expect(error.message).toContain(shown)
  })

  it('names the variable for a bad cluster node from the environment', () => {
    const error = configError(() =>
      fromEnv({ CACHE_REDIS_MODE: 'cluster', CACHE_REDIS_CLUSTER_NODES: 'a:7000,b' }),
    )
    expect(error.field).toBe('CACHE_REDIS_CLUSTER_NODES')
    expect(error.message).toContain("got 'b'")
  })

  it('names the variable when cluster nodes come without cluster mode', () => {
    const error = configError(() => fromEnv({ CACHE_REDIS_CLUSTER_NODES: 'a:7000' }))
    expect(error.field).toBe('CACHE_REDIS_CLUSTER_NODES')
    expect(error.message).toContain('CACHE_REDIS_MODE')
  })
})

describe('l2Mode: sentinel', () => {
  it('takes the Sentinels and the name of the primary', () => {
    const { resolved } = build({
      l2Mode: 'sentinel',
      l2Sentinels: ['s1:26379', { host: 's2', port: 26380 }],
      l2SentinelName: 'mymaster',
      l2Db: 3,
    })
    expect(resolved.l2Mode).toBe('sentinel')
    expect(resolved.l2Sentinels).toEqual([
      { host: 's1', port: 26379 },
      { host: 's2', port: 26380 },
    ])
    expect(resolved.l2SentinelName).toBe('mymaster')
    expect(resolved.l2Db).toBe(3)
    expect(resolved.l2ClusterNodes).toEqual([])
  })

  it('reads CACHE_REDIS_SENTINELS and CACHE_REDIS_SENTINEL_NAME', () => {
    const { resolved } = fromEnv({
      CACHE_REDIS_MODE: 'sentinel',
      CACHE_REDIS_SENTINELS: 's1:26379,s2:26379',
      CACHE_REDIS_SENTINEL_NAME: ' cache ',
    })
    expect(resolved.l2Sentinels).toEqual([
      { host: 's1', port: 26379 },
      { host: 's2', port: 26379 },
    ])
    expect(resolved.l2SentinelName).toBe('cache')
  })

  it('needs neither Sentinels nor a name around a client given as l2Client', () => {
    expect(build({ l2Mode: 'sentinel', l2Client: fakeSingleClient }).resolved.l2Mode).toBe('sentinel')
  })

  it.each([
    [{ l2Mode: 'sentinel', l2SentinelName: 'm' }, 'l2Sentinels', 'is required'],
    [{ l2Mode: 'sentinel', l2Sentinels: ['s:26379'] }, 'l2SentinelName', 'is required'],
    [{ l2Mode: 'sentinel', l2Sentinels: ['s:26379'], l2SentinelName: ' ' }, 'l2SentinelName', "' '"],
    [{ l2Mode: 'sentinel', l2Sentinels: ['s:x'], l2SentinelName: 'm' }, 'l2Sentinels', "'s:x'"],
    [
      { l2Mode: 'sentinel', l2Sentinels: ['s:26379'], l2SentinelName: 'm', l2Url: 'redis://cache' },
      'l2Url',
      'comes from the Sentinels',
    ],
    [{ l2Sentinels: ['s:26379'] }, 'l2Sentinels', "is 'sentinel', but it is 'standalone'"],
    [{ l2SentinelName: 'm' }, 'l2SentinelName', "is 'sentinel', but it is 'standalone'"],
  ])('rejects %j, naming %s', (options, field, shown) => {
    const error = configError(() => build(options))
    expect(error.field).toBe(field)
    expect(error.message).toContain(shown)
  })

  it('names the variable for a bad Sentinel address from the environment', () => {
    const error = configError(() =>
      fromEnv({
        CACHE_REDIS_MODE: 'sentinel',
        CACHE_REDIS_SENTINELS: 's1:26379,s2:',
        CACHE_REDIS_SENTINEL_NAME: 'm',
      }),
    )
    expect(error.field).toBe('CACHE_REDIS_SENTINELS')
    expect(error.message).toContain("got 's2:'")
  })

  it('says which variable to set for a missing Sentinel name', () => {
    const error = configError(() => fromEnv({ CACHE_REDIS_MODE: 'sentinel', CACHE_REDIS_SENTINELS: 's:1' }))
    expect(error.field).toBe('l2SentinelName')
    expect(error.message).toContain('CACHE_REDIS_SENTINEL_NAME')
  })
})

describe('l2Mode: standalone', () => {
  it('is the default and reads no node lists', () => {
    const { resolved } = build({})
    expect(resolved.l2Mode).toBe('standalone')
    expect(resolved.l2ClusterNodes).toEqual([])
    expect(resolved.l2Sentinels).toEqual([])
  })

  it('rejects an unknown mode, naming the variable', () => {
    const error = configError(() => fromEnv({ CACHE_REDIS_MODE: 'sharded' }))
    expect(error.field).toBe('CACHE_REDIS_MODE')
    expect(error.message).toContain("'standalone', 'cluster', 'sentinel'")
  })
})
