import { describe, expect, it } from 'vitest'
import { hungRedis } from './scenarios.js'

const COMMAND_TIMEOUT_MS = 250
/** Scheduling slack on a loaded two-core machine; a call that waited for L2 twice would exceed it. */
const MARGIN_MS = 200

describe.each(['sigstop', 'blackhole'] as const)('Redis hung mid-load (%s)', (via) => {
  it('bounds every call by l2CommandTimeout, stops touching L2 once the breaker opens, and recovers early', async () => {
    const report = await hungRedis({ via, commandTimeoutMs: COMMAND_TIMEOUT_MS })
    const { facts } = report

    expect(report.threw, String(report.errors)).toBe(0)
    // The calls that met the hung server waited for the timeout, and no longer.
    expect(report.get.max).toBeGreaterThanOrEqual(COMMAND_TIMEOUT_MS * 0.9)
    expect(report.get.max).toBeLessThan(COMMAND_TIMEOUT_MS + MARGIN_MS)
    expect(report.set.max).toBeLessThan(COMMAND_TIMEOUT_MS + MARGIN_MS)
    expect(facts.breakerOpened).toBe(true)
    // After `threshold` failures L2 costs nothing: not one ordinary command, no call waiting on it.
    expect(facts.callsWhileOpen).toBeGreaterThan(100)
    expect(facts.commandsWhileOpen).toBe(0)
    expect(facts.maxWhileOpenMs).toBeLessThan(COMMAND_TIMEOUT_MS)
    // Probes never pile up on the hung connection.
    expect(facts.maxPingsInFlight).toBe(1)
    // Served from L2 again long before the breaker's 60 s timeout.
    expect(report.recoveryMs).toBeDefined()
    expect(report.recoveryMs).toBeLessThan(5_000)
  })
})
