import { describe, expect, it } from 'vitest'
import {
  clusterClientOptions,
  MAX_RECONNECT_DELAY_MS,
  reconnectDelayMs,
  sentinelClientOptions,
  standaloneClientOptions,
} from '../../src/backends/l2/redis/client-options.js'
import { CacheFactoryConfig } from '../../src/config/factory-config.js'
import type { CacheFactoryConfigOptions } from '../../src/config/options.js'

const resolved = (options: CacheFactoryConfigOptions) => new CacheFactoryConfig(options).resolved

describe('client options keep the cache promises in every mode', () => {
  it('reconnects quickly: 50 ms doubling, never more than 500 ms', () => {
    expect([1, 2, 3, 4].map(reconnectDelayMs)).toEqual([100, 200, 400, 500])
    expect(reconnectDelayMs(1000)).toBe(MAX_RECONNECT_DELAY_MS)
  })

  it('standalone: no offline queue, no resend, no per-request retry', () => {
    const options = standaloneClientOptions(
      resolved({ l2Host: 'cache', l2Port: 6380, l2Db: 2, l2Password: 'pw' }),
    )
    expect(options).toMatchObject({
      host: 'cache',
      port: 6380,
      db: 2,
      password: 'pw',
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 0,
    })
  })

  it('standalone with a URL: credentials and database given beside it fill what it leaves out', () => {
    const options = standaloneClientOptions(
      resolved({ l2Url: 'redis://cache:6380', l2Password: 'other', l2Username: 'u', l2Db: 3 }),
    )
    expect(options).toMatchObject({ password: 'other', username: 'u', db: 3 })
    expect(options.host).toBeUndefined()
  })

  it('standalone with a URL that carries credentials and a database: the same values beside it', () => {
    const options = standaloneClientOptions(resolved({ l2Url: 'redis://u:p@cache:6380/1' }))
    expect(options).toMatchObject({ password: 'p', username: 'u', db: 1 })
  })

  it('sentinel: asks the Sentinels for the named primary, and reconnects on READONLY without resending', () => {
    const options = sentinelClientOptions(
      resolved({
        l2Mode: 'sentinel',
        l2Sentinels: ['s1:26379', 's2:26380'],
        l2SentinelName: 'cache',
        l2Db: 4,
      }),
    )
    expect(options).toMatchObject({
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26380 },
      ],
      name: 'cache',
      db: 4,
      // A primary demoted while alive stays writable until Sentinel reconfigures it: leave at once.
      failoverDetector: true,
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 0,
    })
    const reconnectOnError = options.reconnectOnError as (error: Error) => unknown
    expect(reconnectOnError(new Error("READONLY You can't write against a read only replica."))).toBe(1)
    expect(reconnectOnError(new Error('WRONGTYPE'))).toBe(false)
    expect((options.sentinelRetryStrategy as (attempt: number) => number)(50)).toBe(MAX_RECONNECT_DELAY_MS)
  })

  it('cluster: never resends a command whose connection closed, nor retries CLUSTERDOWN later', () => {
    const { startupNodes, options } = clusterClientOptions(
      resolved({ l2Mode: 'cluster', l2ClusterNodes: ['a:7000', 'b:7001'], l2Password: 'pw' }),
    )
    expect(startupNodes).toEqual([
      { host: 'a', port: 7000 },
      { host: 'b', port: 7001 },
    ])
    expect(options).toMatchObject({
      retryDelayOnFailover: 0,
      retryDelayOnClusterDown: 0,
      scaleReads: 'master',
      // Node connections being opened queue; the backend gates the client as a whole (see the backend).
      enableOfflineQueue: true,
      redisOptions: { password: 'pw', autoResendUnfulfilledCommands: false, maxRetriesPerRequest: 0 },
    })
    expect((options.clusterRetryStrategy as (attempt: number) => number)(20)).toBe(MAX_RECONNECT_DELAY_MS)
  })

  it('cluster with a URL: seeds from its server, credentials and TLS from it', () => {
    const { startupNodes, options } = clusterClientOptions(
      resolved({ l2Mode: 'cluster', l2Url: 'rediss://app:s%40cret@cache:7000' }),
    )
    expect(startupNodes).toEqual([{ host: 'cache', port: 7000 }])
    expect(options.redisOptions).toMatchObject({ username: 'app', password: 's@cret', tls: {} })
  })
})
