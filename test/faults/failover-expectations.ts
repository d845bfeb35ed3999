import { expect } from 'vitest'
import type { FailoverReport } from './failover-scenarios.js'

/**
 * What every failover under load must show: no call threw; the keys of the lost primary came from L1
 * while it had none; the oracle did catch stale L1 answers while the reader could not know, and none
 * once recovery was done (journal replayed, announcements delivered), nor in L2; and the promoted
 * replica served within a probe interval or so of Redis promoting it, without a restart.
 */
export function expectCleanFailover(report: FailoverReport): void {
  console.info(`${report.scenario}:`, JSON.stringify({ ...report, errors: undefined }))
  expect(report.threw, String(report.errors)).toBe(0)
  expect(report.recovered).toBe(true)
  expect(report.servedWhileNoPrimary).toBeGreaterThan(0)
  expect(report.staleBeforeRecovery).toBeGreaterThan(0)
  expect(report.staleReads).toBe(0)
  expect(report.staleInL2).toBe(0)
  expect(report.writerRepaired).toBe(true)
  expect(report.firstReadFromNewPrimaryMs).toBeDefined()
  expect(report.afterPromotionMs).toBeLessThan(1500)
}
