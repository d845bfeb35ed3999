import { describe, expect, it } from 'vitest'
import { useRedisCluster } from '../helpers/scale-out.js'
import { clusterPrimaryKilled } from './failover-scenarios.js'

// A cluster of its own: the test kills one of its primaries.
const redis = useRedisCluster({ nodeTimeoutMs: 1000 })

describe('Redis Cluster: a primary killed under load', () => {
  it('serves from L1, then from the promoted replica without a restart; no call throws, no stale read after recovery', async () => {
    const report = await clusterPrimaryKilled(redis.cluster)
    console.info('cluster failover:', JSON.stringify({ ...report, errors: undefined }))

    expect(report.threw, String(report.errors)).toBe(0)
    expect(report.recovered).toBe(true)
    // While the dead primary's slots had no primary, their keys came from L1.
    expect(report.servedWhileNoPrimary).toBeGreaterThan(0)
    // The oracle catches stale data: the reader's L1 answered with some while it could not know...
    expect(report.staleBeforeRecovery).toBeGreaterThan(0)
    // ...and never once recovery was done.
    expect(report.staleReads).toBe(0)
    expect(report.staleInL2).toBe(0)
    expect(report.writerRepaired).toBe(true)
    expect(report.firstReadFromNewPrimaryMs).toBeDefined()
    // The new primary serves within a second of Redis promoting it (probe interval 0.5 s).
    expect(report.afterPromotionMs).toBeLessThan(1500)
  }, 60_000)
})
