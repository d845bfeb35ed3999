import { describe, expect, it } from 'vitest'
import { deleteByTagDuringOutage } from './tag-scenarios.js'

describe('deleteByTag while Redis is down, three instances', () => {
  it('is journaled, then honoured on every instance after recovery: no stale tagged read', async () => {
    const report = await deleteByTagDuringOutage()
    const { facts } = report
    expect(report.threw, String(report.errors)).toBe(0)
    expect(facts.journaled).toBe(true)
    expect(facts.recovered).toBe(true)
    // The oracle does catch stale data: B's and C's L1 answered with it while nobody could tell them.
    expect(facts.staleDuringOutage).toBeGreaterThan(0)
    expect(report.staleReads).toBe(0)
    expect(facts.taggedServedAfter).toBe(0)
    // Entries with another tag were not touched: still in L2, and served.
    expect(facts.othersServedAfter).toBe(50)
  }, 60_000)
})
