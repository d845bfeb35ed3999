import { describe, expect, it } from 'vitest'
import { killedAndRestarted } from './scenarios.js'

describe.each(['kill', 'shutdown'] as const)(
  'Redis stopped (%s) and restarted empty, two instances',
  (stop) => {
    it('never lets the reader see, after recovery, what the writer replaced or deleted during the outage', async () => {
      const report = await killedAndRestarted({ stop })
      const { facts } = report

      expect(report.threw, String(report.errors)).toBe(0)
      expect(facts.recovered).toBe(true)
      // The oracle does catch stale data: the reader's L1 answered with it while it could not know.
      expect(facts.staleDuringOutage).toBeGreaterThan(0)
      // ...and not once after the reader was back on L2 (its L1 was resynced, the writer's journal replayed).
      expect(report.staleReads).toBe(0)
      expect(facts.readerResynced).toBe(true)
      expect(facts.writerRepaired).toBe(true)
      expect(facts.keysLeftInL2).toBe(0)
      expect(report.recoveryMs).toBeLessThan(5_000)
    })
  },
)
