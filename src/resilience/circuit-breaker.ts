import { type Clock, systemClock } from '../kernel/clock.js'
import type { CircuitState } from '../kernel/events.js'

export type { CircuitState }

/** Options of a {@link CircuitBreaker}. */
export interface CircuitBreakerOptions {
  /** When false the breaker never opens; failures are still counted. @default true */
  enabled?: boolean
  /** Consecutive failures that open the breaker. @default 5 */
  threshold?: number
  /** How long the breaker stays open before one probe may go through, in ms. @default 60000 */
  timeoutMs?: number
  /** Time source; tests pass a fake one. @default Date.now */
  clock?: Clock
}

/** A snapshot of a breaker, as shown in stats. Times are epoch milliseconds, or `null` when never. */
export interface CircuitBreakerStats {
  enabled: boolean
  state: CircuitState
  failureCount: number
  threshold: number
  /** Seconds the breaker stays open before probing. */
  timeout: number
  lastFailureTime: number | null
  lastSuccessTime: number | null
}

/** The stats of a breaker that has seen no traffic (for caches and services without one yet). */
export function idleCircuitBreakerStats(
  options: Required<Pick<CircuitBreakerOptions, 'enabled' | 'threshold' | 'timeoutMs'>>,
): CircuitBreakerStats {
  return {
    enabled: options.enabled,
    state: 'closed',
    failureCount: 0,
    threshold: options.threshold,
    timeout: options.timeoutMs / 1000,
    lastFailureTime: null,
    lastSuccessTime: null,
  }
}

/** Called on each state change with the new and the previous state. */
export type CircuitStateListener = (state: CircuitState, previous: CircuitState) => void

/**
 * The L2 circuit breaker: a consecutive-failure state machine with one probe at a time.
 *
 * closed --threshold consecutive failures--> open --timeout elapsed (or early probe)--> half_open
 * half_open --probe succeeded--> closed;  half_open --probe failed--> open (timeout restarts).
 *
 * It does no I/O: the caller asks `allowsRequest()`, reports outcomes, and runs the probe it was given
 * with `tryStartProbe()`. While open or half-open no ordinary request is allowed, so L2 costs nothing.
 */
export class CircuitBreaker {
  readonly enabled: boolean
  readonly threshold: number
  readonly timeoutMs: number
  readonly #clock: Clock
  readonly #listeners = new Set<CircuitStateListener>()
  #state: CircuitState = 'closed'
  #failureCount = 0
  #openedAt = 0
  #earlyProbeAllowed = false
  #lastFailureTime: number | null = null
  #lastSuccessTime: number | null = null

  constructor(options: CircuitBreakerOptions = {}) {
    this.enabled = options.enabled ?? true
    this.threshold = options.threshold ?? 5
    this.timeoutMs = options.timeoutMs ?? 60_000
    this.#clock = options.clock ?? systemClock
    if (!Number.isInteger(this.threshold) || this.threshold < 1) {
      throw new TypeError(`CircuitBreaker: threshold must be an integer >= 1, got ${this.threshold}`)
    }
    if (!(this.timeoutMs >= 0)) {
      throw new TypeError(`CircuitBreaker: timeoutMs must be >= 0, got ${this.timeoutMs}`)
    }
  }

  get state(): CircuitState {
    return this.#state
  }

  get failureCount(): number {
    return this.#failureCount
  }

  /** Whether an ordinary request may go to L2 now (only when closed). */
  allowsRequest(): boolean {
    return this.#state === 'closed'
  }

  /** Whether the breaker is open and a probe is due (its timeout elapsed, or an early probe was allowed). */
  isProbeDue(): boolean {
    return (
      this.#state === 'open' &&
      (this.#earlyProbeAllowed || this.#clock.now() - this.#openedAt >= this.timeoutMs)
    )
  }

  /**
   * Moves an open breaker whose probe is due to half-open and returns true: the caller now owns the
   * one probe and must report it with `probeSucceeded()` or `probeFailed()`. Otherwise returns false.
   */
  tryStartProbe(): boolean {
    if (!this.isProbeDue()) return false
    this.#earlyProbeAllowed = false
    this.#transition('half_open')
    return true
  }

  /**
   * Lets the next probe go before the timeout ends; used when the client reports the connection
   * ready again, so that recovery does not wait out the whole timeout.
   */
  allowEarlyProbe(): void {
    if (this.#state === 'open') this.#earlyProbeAllowed = true
  }

  /** Reports a successful L2 call made while closed. */
  recordSuccess(): void {
    this.#lastSuccessTime = this.#clock.now()
    if (this.#state === 'closed') this.#failureCount = 0
  }

  /** Reports a failed L2 call (error or timeout) made while closed. */
  recordFailure(): void {
    this.#lastFailureTime = this.#clock.now()
    if (this.#state !== 'closed') return
    this.#failureCount++
    if (this.enabled && this.#failureCount >= this.threshold) this.#open()
  }

  /** The probe succeeded (and any repair after it): L2 is trusted again. */
  probeSucceeded(): void {
    if (this.#state !== 'half_open') return
    this.#lastSuccessTime = this.#clock.now()
    this.#failureCount = 0
    this.#transition('closed')
  }

  /** The probe failed: open again for a whole timeout. */
  probeFailed(): void {
    if (this.#state !== 'half_open') return
    this.#lastFailureTime = this.#clock.now()
    this.#open()
  }

  /** Registers a state-change listener; returns a function that removes it. */
  onStateChange(listener: CircuitStateListener): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** A snapshot for stats. */
  stats(): CircuitBreakerStats {
    return {
      enabled: this.enabled,
      state: this.#state,
      failureCount: this.#failureCount,
      threshold: this.threshold,
      timeout: this.timeoutMs / 1000,
      lastFailureTime: this.#lastFailureTime,
      lastSuccessTime: this.#lastSuccessTime,
    }
  }

  #open(): void {
    this.#openedAt = this.#clock.now()
    this.#earlyProbeAllowed = false
    this.#transition('open')
  }

  #transition(next: CircuitState): void {
    const previous = this.#state
    if (previous === next) return
    this.#state = next
    for (const listener of this.#listeners) listener(next, previous)
  }
}
