import { CacheConnectionError, CacheTimeoutError, isCacheTimeoutError } from '../errors.js'
import type { L2Backend } from '../l2/l2-backend.js'
import type { Logger } from '../logger.js'
import type { CircuitBreaker } from './circuit-breaker.js'
import { withTimeout } from './with-timeout.js'

/** Returned by {@link L2Guard.run} when L2 was skipped or the call failed. */
export const L2_FAILED: unique symbol = Symbol('resilient-cache.l2-failed')

/** Counters a guarded call adds to: the calling cache's stats. */
export interface L2FailureCounters {
  errors: number
  timeouts: number
}

/** Runs one L2 command within the timeout; throws on failure. Given to repairs. */
export type L2Executor = <T>(operation: string, command: (backend: L2Backend) => Promise<T>) => Promise<T>

/** A cache whose journal the guard replays before L2 is trusted again. */
export interface RepairParticipant {
  hasPendingRepairs(): boolean
  /** Replays the journal through `execute`; throws (and keeps what is left) when L2 fails. */
  repair(execute: L2Executor): Promise<void>
}

/**
 * The single door to L2 for the caches that share one breaker: every call is skipped while the
 * breaker is open, capped by `l2CommandTimeout`, and its outcome reported to the breaker.
 *
 * Recovery is one task at a time: when the breaker's timeout has passed (or the client reports the
 * connection ready again) one probe PINGs L2, replays every participant's repair journal, and only
 * then closes the breaker, so L2 is never read before what was missed during the outage is repaired.
 */
export class L2Guard {
  readonly backend: L2Backend
  readonly breaker: CircuitBreaker
  readonly commandTimeoutMs: number
  readonly #logger: Logger
  readonly #participants = new Set<RepairParticipant>()
  readonly #stopListening: () => void
  #recovery: Promise<void> | undefined
  #closed = false

  constructor(backend: L2Backend, breaker: CircuitBreaker, commandTimeoutMs: number, logger: Logger) {
    this.backend = backend
    this.breaker = breaker
    this.commandTimeoutMs = commandTimeoutMs
    this.#logger = logger
    this.#stopListening = backend.onReady(() => {
      this.breaker.allowEarlyProbe()
      this.#startRecovery()
    })
  }

  /**
   * Whether ordinary L2 calls go through now. While the breaker is open this is false at no cost,
   * and starts the recovery probe in the background once it is due.
   */
  isAvailable(): boolean {
    if (this.breaker.allowsRequest()) return !this.#closed
    if (this.breaker.isProbeDue()) this.#startRecovery()
    return false
  }

  /**
   * Runs one L2 command for a cache. Resolves its result, or {@link L2_FAILED} when L2 was skipped or
   * the call failed or timed out (counted in `counters` and reported to the breaker). Never rejects.
   */
  async run<T>(
    operation: string,
    command: (backend: L2Backend) => Promise<T>,
    counters: L2FailureCounters,
  ): Promise<T | typeof L2_FAILED> {
    if (!this.isAvailable()) return L2_FAILED
    try {
      const value = await this.#execute(operation, command)
      this.breaker.recordSuccess()
      if (this.#recovery === undefined && this.#hasPendingRepairs()) this.#startRecovery()
      return value
    } catch (error) {
      if (isCacheTimeoutError(error)) counters.timeouts++
      else counters.errors++
      this.breaker.recordFailure()
      this.#logger.debug({ operation, error: (error as Error).message }, 'L2 call failed')
      return L2_FAILED
    }
  }

  /**
   * One PING within the timeout, waiting for a connection still being made; outside the breaker's
   * accounting (for health checks). Never rejects.
   */
  async ping(): Promise<boolean> {
    try {
      await this.#execute('ping', (backend) => backend.ping())
      return true
    } catch {
      return false
    }
  }

  /** Adds a cache to the replay set; returns a function that removes it. */
  addRepairParticipant(participant: RepairParticipant): () => void {
    this.#participants.add(participant)
    return () => this.#participants.delete(participant)
  }

  /** Resolves when no recovery or repair is running (for tests and orderly shutdown). */
  async settled(): Promise<void> {
    while (this.#recovery !== undefined) await this.#recovery
  }

  /** Stops using L2: later calls are skipped. Waits for a running recovery to end. */
  async close(): Promise<void> {
    this.#closed = true
    this.#stopListening()
    await this.settled()
  }

  /** One bounded L2 command; waits for a connection that is still being made, within the same bound. */
  readonly #execute: L2Executor = async (operation, command) => {
    const readiness = this.backend.readiness()
    if (readiness === 'ready') {
      return withTimeout(command(this.backend), this.commandTimeoutMs, operation)
    }
    if (readiness === 'down') {
      throw new CacheConnectionError(`L2 is not connected (${this.backend.status})`)
    }
    const startedAt = performance.now()
    await this.#waitForReady(operation)
    const remainingMs = this.commandTimeoutMs - (performance.now() - startedAt)
    return withTimeout(command(this.backend), Math.max(1, remainingMs), operation)
  }

  /** Waits for the connection being made, at most `l2CommandTimeout`; leaves no listener behind. */
  #waitForReady(operation: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        stop()
        reject(new CacheTimeoutError(`L2 ${operation}: no connection within ${this.commandTimeoutMs} ms`))
      }, this.commandTimeoutMs)
      const stop = this.backend.onReady(() => {
        clearTimeout(timer)
        stop()
        resolve()
      })
    })
  }

  #hasPendingRepairs(): boolean {
    for (const participant of this.#participants) if (participant.hasPendingRepairs()) return true
    return false
  }

  #startRecovery(): void {
    if (this.#recovery !== undefined || this.#closed) return
    this.#recovery = this.#recover().finally(() => {
      this.#recovery = undefined
    })
  }

  /** The probe (when the breaker is open) and the journal replay, as one task. Never rejects. */
  async #recover(): Promise<void> {
    const probing = this.breaker.tryStartProbe()
    if (!probing && (!this.breaker.allowsRequest() || !this.#hasPendingRepairs())) return
    try {
      if (probing) await this.#execute('ping', (backend) => backend.ping())
      for (const participant of this.#participants) {
        if (participant.hasPendingRepairs()) await participant.repair(this.#execute)
      }
      if (probing) this.breaker.probeSucceeded()
    } catch (error) {
      if (probing) this.breaker.probeFailed()
      else this.breaker.recordFailure()
      this.#logger.debug({ error: (error as Error).message }, 'L2 recovery attempt failed')
    }
  }
}
