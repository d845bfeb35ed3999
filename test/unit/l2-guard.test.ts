import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { L2Backend, L2Readiness } from '../../src/backends/l2/l2-backend.js'
import type { ResyncReason } from '../../src/kernel/events.js'
import { silentLogger } from '../../src/kernel/logger.js'
import { CircuitBreaker } from '../../src/resilience/circuit-breaker.js'
import { L2_FAILED, L2Guard, type RepairParticipant } from '../../src/resilience/l2-guard.js'

/** An L2 backend whose connection and PING answers the test decides. Pure logic: no Redis here. */
class ScriptedBackend implements L2Backend {
  readonly name = 'scripted'
  status = 'ready'
  connection: L2Readiness = 'ready'
  /** How the next PINGs behave: answer, fail at once, or hang until `answerHungPings()`. */
  pingBehaviour: 'answer' | 'fail' | 'hang' = 'fail'
  pings = 0
  readonly #hung: Array<() => void> = []
  readonly #readyListeners = new Set<() => void>()

  readiness(): L2Readiness {
    return this.connection
  }

  onReady(listener: () => void): () => void {
    this.#readyListeners.add(listener)
    return () => this.#readyListeners.delete(listener)
  }

  /** The client reports the connection ready (again). */
  becomeReady(): void {
    this.connection = 'ready'
    for (const listener of this.#readyListeners) listener()
  }

  answerHungPings(): void {
    for (const answer of this.#hung.splice(0)) answer()
  }

  ping(): Promise<void> {
    this.pings++
    if (this.pingBehaviour === 'answer') return Promise.resolve()
    if (this.pingBehaviour === 'fail') return Promise.reject(new Error('connection refused'))
    return new Promise((resolve) => this.#hung.push(resolve))
  }

  get = async () => null
  set = async () => undefined
  setIfNotExist = async () => true
  delete = async (keys: readonly string[]) => keys.length
  exists = async () => false
  remainingTtlMs = async () => undefined
  scan = async () => ({ cursor: '0', keys: [] })
  close = async () => undefined
}

/** A cache stand-in that records what the guard asks of it, in order. */
class RecordingParticipant implements RepairParticipant {
  readonly name = 'recording'
  pending = false
  readonly calls: string[] = []

  hasPendingRepairs(): boolean {
    return this.pending
  }

  /** Keys journaled while the next replay runs (writes skipped while the breaker was half-open). */
  journaledDuringNextRepair = false

  async repair(): Promise<void> {
    this.calls.push('repair')
    this.pending = this.journaledDuringNextRepair
    this.journaledDuringNextRepair = false
  }

  resync(reason: ResyncReason): void {
    this.calls.push(`resync:${reason}`)
  }
}

const COMMAND_TIMEOUT_MS = 250
const PROBE_INTERVAL_MS = 500

function setUp(options: { probeIntervalMs?: number; connection?: L2Readiness } = {}) {
  const backend = new ScriptedBackend()
  backend.connection = options.connection ?? 'ready'
  const breaker = new CircuitBreaker({ threshold: 3, timeoutMs: 60_000 })
  const transitions: string[] = []
  const participant = new RecordingParticipant()
  const guard = new L2Guard({
    name: 'service',
    backend,
    breaker,
    commandTimeoutMs: COMMAND_TIMEOUT_MS,
    probeIntervalMs: options.probeIntervalMs ?? PROBE_INTERVAL_MS,
    logger: silentLogger,
  })
  breaker.onStateChange((state) => {
    transitions.push(state)
    participant.calls.push(`breaker:${state}`)
  })
  guard.addRepairParticipant(participant)
  const open = () => {
    for (let i = 0; i < breaker.threshold; i++) breaker.recordFailure()
  }
  return { backend, breaker, guard, participant, transitions, open }
}

beforeEach(() => {
  vi.useFakeTimers()
})

afterEach(() => {
  vi.useRealTimers()
})

describe('L2Guard probing while the breaker is open', () => {
  it('PINGs every probe interval, and stays open without a state change while L2 does not answer', async () => {
    const { backend, breaker, guard, transitions, open } = setUp()
    open()
    await vi.advanceTimersByTimeAsync(PROBE_INTERVAL_MS)
    expect(backend.pings).toBe(1)
    await vi.advanceTimersByTimeAsync(PROBE_INTERVAL_MS * 3)
    expect(backend.pings).toBe(4)
    expect(breaker.state).toBe('open')
    // No half-open flapping (and no log line) per failed probe.
    expect(transitions).toEqual(['open'])
    await guard.close()
  })

  it('closes the breaker at the first probe that L2 answers, long before the breaker timeout', async () => {
    const { backend, breaker, guard, transitions, open } = setUp()
    open()
    await vi.advanceTimersByTimeAsync(PROBE_INTERVAL_MS)
    backend.pingBehaviour = 'answer'
    await vi.advanceTimersByTimeAsync(PROBE_INTERVAL_MS)
    expect(breaker.state).toBe('closed')
    expect(transitions).toEqual(['open', 'half_open', 'closed'])
    await guard.close()
  })

  it('never sends a second probe while one is unanswered, and recovers as soon as the late answer comes', async () => {
    const { backend, breaker, guard, open } = setUp()
    open()
    backend.pingBehaviour = 'hang'
    await vi.advanceTimersByTimeAsync(PROBE_INTERVAL_MS + COMMAND_TIMEOUT_MS)
    expect(backend.pings).toBe(1)
    await vi.advanceTimersByTimeAsync(PROBE_INTERVAL_MS * 4)
    expect(backend.pings).toBe(1)
    expect(breaker.state).toBe('open')

    // The hung server wakes up: its answer starts recovery without waiting for the next interval.
    backend.pingBehaviour = 'answer'
    backend.answerHungPings()
    await vi.advanceTimersByTimeAsync(0)
    expect(breaker.state).toBe('closed')
    await guard.close()
  })

  it('does not probe while the client is reconnecting; its ready event probes at once', async () => {
    const { backend, breaker, guard, open } = setUp()
    open()
    backend.connection = 'down'
    await vi.advanceTimersByTimeAsync(PROBE_INTERVAL_MS * 3)
    expect(backend.pings).toBe(0)
    backend.pingBehaviour = 'answer'
    backend.becomeReady()
    await vi.advanceTimersByTimeAsync(0)
    expect(breaker.state).toBe('closed')
    await guard.close()
  })

  it('sets no timer when the probe interval is 0', async () => {
    const { guard, open } = setUp({ probeIntervalMs: 0 })
    open()
    expect(vi.getTimerCount()).toBe(0)
    await guard.close()
  })

  it('leaves no timer behind after close', async () => {
    const { guard, open } = setUp()
    open()
    expect(vi.getTimerCount()).toBe(1)
    await guard.close()
    expect(vi.getTimerCount()).toBe(0)
  })
})

describe('L2Guard recovery order', () => {
  it('replays the journals, then resyncs L1, then closes the breaker', async () => {
    const { backend, participant, guard, open } = setUp()
    open()
    participant.pending = true
    backend.pingBehaviour = 'answer'
    await vi.advanceTimersByTimeAsync(PROBE_INTERVAL_MS)
    expect(participant.calls).toEqual([
      'breaker:open',
      'breaker:half_open',
      'repair',
      'resync:breaker',
      'breaker:closed',
    ])
    await guard.close()
  })

  it('replays what was journaled during the replay right after closing, without waiting for traffic', async () => {
    const { backend, participant, guard, open } = setUp()
    open()
    participant.pending = true
    participant.journaledDuringNextRepair = true
    backend.pingBehaviour = 'answer'
    await vi.advanceTimersByTimeAsync(PROBE_INTERVAL_MS)
    expect(participant.calls).toEqual([
      'breaker:open',
      'breaker:half_open',
      'repair',
      'resync:breaker',
      'breaker:closed',
      'repair',
    ])
    expect(participant.pending).toBe(false)
    await guard.settled()
    await guard.close()
  })

  it('resyncs once per outage, even when the connection was also lost and made again', async () => {
    const { backend, participant, guard, open } = setUp()
    open()
    backend.connection = 'down'
    backend.pingBehaviour = 'answer'
    backend.becomeReady()
    await vi.advanceTimersByTimeAsync(0)
    expect(participant.calls.filter((call) => call.startsWith('resync'))).toEqual(['resync:breaker'])
    await guard.close()
  })
})

describe('L2Guard reconnection with the breaker closed', () => {
  it('resyncs L1 synchronously when a connection that was ready becomes ready again', async () => {
    const { backend, participant, guard } = setUp({ connection: 'connecting' })
    backend.becomeReady()
    expect(participant.calls).toEqual([])
    backend.connection = 'down'
    backend.becomeReady()
    expect(participant.calls).toEqual(['resync:reconnect'])
    await guard.close()
  })

  it('treats a passed-in client that is already connected as having been ready', async () => {
    const { backend, participant, guard } = setUp({ connection: 'ready' })
    backend.becomeReady()
    expect(participant.calls).toEqual(['resync:reconnect'])
    await guard.close()
  })
})

describe('L2Guard.run with a budget', () => {
  const caller = { name: 'cache', counters: { errors: 0, timeouts: 0 } }

  it('caps a call by what is left of the budget and takes its time off', async () => {
    const { guard } = setUp()
    const budget = { remainingMs: 100 }
    const hung = guard.run('get', () => new Promise<never>(() => {}), caller, budget)
    await vi.advanceTimersByTimeAsync(100)
    expect(await hung).toBe(L2_FAILED)
    expect(caller.counters.timeouts).toBe(1)
    expect(budget.remainingMs).toBeLessThanOrEqual(0)
  })

  it('skips the call once the budget is spent, without counting a failure', async () => {
    const { guard, breaker } = setUp()
    let called = false
    const result = await guard.run(
      'get',
      async () => {
        called = true
        return 'value'
      },
      caller,
      { remainingMs: 0 },
    )
    expect(result).toBe(L2_FAILED)
    expect(called).toBe(false)
    expect(breaker.stats().failureCount).toBe(0)
  })

  it('runs under l2CommandTimeout when the budget is larger', async () => {
    const { guard } = setUp()
    const budget = { remainingMs: 10_000 }
    const hung = guard.run('get', () => new Promise<never>(() => {}), caller, budget)
    await vi.advanceTimersByTimeAsync(COMMAND_TIMEOUT_MS)
    expect(await hung).toBe(L2_FAILED)
    expect(budget.remainingMs).toBeGreaterThan(10_000 - COMMAND_TIMEOUT_MS - 50)
  })
})
