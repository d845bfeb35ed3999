import { describe, expect, it } from 'vitest'
import { slowRedis } from './scenarios.js'

const COMMAND_TIMEOUT_MS = 400
const MARGIN_MS = 200

describe('Redis slow through the proxy', () => {
  it('answers correctly below the timeout, cuts calls at the timeout above it, and recovers', async () => {
    const report = await slowRedis({ commandTimeoutMs: COMMAND_TIMEOUT_MS })
    const { facts } = report

    expect(report.threw, String(report.errors)).toBe(0)
    // Round trip at 70% of the timeout: slow, but every read answered from L2, none timed out.
    expect(facts.readsBelow).toBeGreaterThan(0)
    expect(facts.p50BelowMs).toBeGreaterThan(COMMAND_TIMEOUT_MS * 0.5)
    expect(facts.wrongReadsBelow).toBe(0)
    expect(facts.timeoutsBelow).toBe(0)
    expect(facts.breakerOpenedBelow).toBe(false)
    // Round trip at 150%: each call cut at the timeout, then the breaker opens.
    expect(report.get.max).toBeLessThan(COMMAND_TIMEOUT_MS + MARGIN_MS)
    expect(report.set.max).toBeLessThan(COMMAND_TIMEOUT_MS + MARGIN_MS)
    expect(facts.timeoutsAbove).toBeGreaterThanOrEqual(3)
    expect(facts.breakerOpenedAbove).toBe(true)
    expect(report.recoveryMs).toBeLessThan(5_000)
  })
})
