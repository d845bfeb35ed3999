import { describe, expect, it } from 'vitest'
import { CircuitBreaker, type CircuitState } from '../../src/resilience/circuit-breaker.js'
import { FakeClock } from '../helpers/fake-clock.js'

function breakerWithLog(options: { threshold?: number; timeoutMs?: number; enabled?: boolean } = {}) {
  const clock = new FakeClock()
  const breaker = new CircuitBreaker({ threshold: 3, timeoutMs: 10_000, ...options, clock })
  const transitions: string[] = []
  breaker.onStateChange((state: CircuitState, previous: CircuitState) =>
    transitions.push(`${previous}->${state}`),
  )
  return { clock, breaker, transitions }
}

function fail(breaker: CircuitBreaker, times: number): void {
  for (let i = 0; i < times; i++) breaker.recordFailure()
}

describe('CircuitBreaker', () => {
  it('starts closed and allows requests', () => {
    const { breaker } = breakerWithLog()
    expect(breaker.state).toBe('closed')
    expect(breaker.allowsRequest()).toBe(true)
  })

  it('opens after threshold consecutive failures, not before', () => {
    const { breaker, transitions } = breakerWithLog()
    fail(breaker, 2)
    expect(breaker.state).toBe('closed')
    fail(breaker, 1)
    expect(breaker.state).toBe('open')
    expect(breaker.allowsRequest()).toBe(false)
    expect(transitions).toEqual(['closed->open'])
  })

  it('resets the consecutive count on a success', () => {
    const { breaker } = breakerWithLog()
    fail(breaker, 2)
    breaker.recordSuccess()
    fail(breaker, 2)
    expect(breaker.state).toBe('closed')
    expect(breaker.failureCount).toBe(2)
  })

  it('does not offer a probe before the timeout has elapsed', () => {
    const { breaker, clock } = breakerWithLog()
    fail(breaker, 3)
    clock.advance(9_999)
    expect(breaker.isProbeDue()).toBe(false)
    expect(breaker.tryStartProbe()).toBe(false)
    expect(breaker.state).toBe('open')
  })

  it('lets exactly one probe through once the timeout has elapsed', () => {
    const { breaker, clock, transitions } = breakerWithLog()
    fail(breaker, 3)
    clock.advance(10_000)
    expect(breaker.tryStartProbe()).toBe(true)
    expect(breaker.state).toBe('half_open')
    expect(breaker.tryStartProbe()).toBe(false)
    expect(breaker.allowsRequest()).toBe(false)
    expect(transitions).toEqual(['closed->open', 'open->half_open'])
  })

  it('closes when the probe succeeds and resets the failure count', () => {
    const { breaker, clock, transitions } = breakerWithLog()
    fail(breaker, 3)
    clock.advance(10_000)
    breaker.tryStartProbe()
    breaker.probeSucceeded()
    expect(breaker.state).toBe('closed')
    expect(breaker.failureCount).toBe(0)
    expect(breaker.stats().lastSuccessTime).toBe(clock.now())
    expect(transitions.at(-1)).toBe('half_open->closed')
  })

  it('reopens for a whole timeout when the probe fails', () => {
    const { breaker, clock } = breakerWithLog()
    fail(breaker, 3)
    clock.advance(10_000)
    breaker.tryStartProbe()
    breaker.probeFailed()
    expect(breaker.state).toBe('open')
    clock.advance(9_999)
    expect(breaker.isProbeDue()).toBe(false)
    clock.advance(1)
    expect(breaker.isProbeDue()).toBe(true)
  })

  it('offers an early probe when told the connection is ready again', () => {
    const { breaker } = breakerWithLog()
    fail(breaker, 3)
    expect(breaker.isProbeDue()).toBe(false)
    breaker.allowEarlyProbe()
    expect(breaker.tryStartProbe()).toBe(true)
  })

  it('ignores an early-probe hint while closed', () => {
    const { breaker } = breakerWithLog()
    breaker.allowEarlyProbe()
    fail(breaker, 3)
    expect(breaker.isProbeDue()).toBe(false)
  })

  it('never opens when disabled, but still counts failures', () => {
    const { breaker } = breakerWithLog({ enabled: false })
    fail(breaker, 100)
    expect(breaker.state).toBe('closed')
    expect(breaker.allowsRequest()).toBe(true)
    expect(breaker.failureCount).toBe(100)
  })

  it('reports stats in the SPEC shape with the timeout in seconds', () => {
    const { breaker, clock } = breakerWithLog()
    breaker.recordFailure()
    expect(breaker.stats()).toEqual({
      enabled: true,
      state: 'closed',
      failureCount: 1,
      threshold: 3,
      timeout: 10,
      lastFailureTime: clock.now(),
      lastSuccessTime: null,
    })
  })

  it('stops notifying a listener once disposed', () => {
    const { breaker } = breakerWithLog()
    const seen: string[] = []
    const dispose = breaker.onStateChange((state) => seen.push(state))
    dispose()
    fail(breaker, 3)
    expect(seen).toEqual([])
  })

  it('rejects a threshold below 1', () => {
    expect(() => new CircuitBreaker({ threshold: 0 })).toThrow(TypeError)
  })
})
