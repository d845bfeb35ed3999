import { describe, expect, it } from 'vitest'
import { flappingRedis } from './scenarios.js'

describe('Redis flapping (connections refused and let through every 250 ms)', () => {
  it('sends one probe at a time, keeps the journal within its bound, throws nothing and ends repaired', async () => {
    const report = await flappingRedis({ flapMs: 250, journalMaxEntries: 50 })
    const { facts } = report

    expect(report.threw, String(report.errors)).toBe(0)
    expect(facts.breakerOpens).toBeGreaterThanOrEqual(1)
    expect(facts.maxPingsInFlight).toBe(1)
    // New keys were written throughout: the journal overflowed to a prefix clear, never past its bound.
    expect(facts.maxPendingRepairs).toBeGreaterThan(0)
    expect(facts.maxPendingRepairs).toBeLessThanOrEqual(facts.journalBound as number)
    expect(facts.recovered).toBe(true)
    expect(facts.finalPendingRepairs).toBe(0)
    expect(report.staleReads).toBe(0)
  })
})
