import { describe, expect, it } from 'vitest'
import { downAtStartup } from './scenarios.js'

describe('Redis down at start-up, up later', () => {
  it('serves from L1, then uses L2 without a restart, after invalidating what changed meanwhile', async () => {
    const report = await downAtStartup()
    const { facts } = report

    expect(report.threw, String(report.errors)).toBe(0)
    expect(facts.recovered).toBe(true)
    expect(report.staleReads).toBe(0)
    expect(facts.repaired).toBe(true)
    // The entries updated or deleted while Redis was unreachable are gone from it: no instance reads them.
    expect(facts.keysLeftInL2).toBe(0)
    expect(facts.writeReachedL2).toBe(true)
  })
})
