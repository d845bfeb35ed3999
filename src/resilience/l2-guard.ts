import type { L2Backend } from '../backends/l2/l2-backend.js'
import { CacheConnectionError, CacheTimeoutError, isCacheTimeoutError } from '../kernel/errors.js'
import type { L2OperationEvent, ResyncReason } from '../kernel/events.js'
import { isL2TracingActive, traceL2Operation } from '../kernel/l2-tracing.js'
import type { Logger } from '../kernel/logger.js'
import type { CircuitBreaker } from './circuit-breaker.js'
import type { L2Budget } from './l2-budget.js'
import { withTimeout } from './with-timeout.js'

/** Returned by {@link L2Guard.run} when L2 was skipped or the call failed. */
export const L2_FAILED: unique symbol = Symbol('resilient-cache.l2-failed')

/** Counters a guarded call adds to: the calling cache's stats. */
export interface L2FailureCounters {
  errors: number
  timeouts: number
}

/** Who makes a guarded call: a cache, by name (for traces), with the counters its failures add to. */
export interface L2Caller {
  readonly name: string
  readonly counters: L2FailureCounters
  /** Told of each failed call, after it was counted (the cache's `l2:error` event). Must not throw. */
  onFailure?(operation: string, error: unknown, timedOut: boolean): void
}

/** Runs one L2 command within the timeout; throws on failure. Given to repairs. */
export type L2Executor = <T>(operation: string, command: (backend: L2Backend) => Promise<T>) => Promise<T>

/** A cache the guard repairs and resyncs before L2 is trusted again. */
export interface RepairParticipant {
  /** The cache's name, for the traces of its repair. */
  readonly name: string
  hasPendingRepairs(): boolean
  /** Replays the journal through `execute`; throws (and keeps what is left) when L2 fails. */
  repair(execute: L2Executor): Promise<void>
  /**
   * L2 is back after an outage, during which other instances may have changed or deleted keys this
   * cache holds in L1 without this process hearing of it: drop what L1 holds.
   */
  resync(reason: ResyncReason): void
}

/** What an {@link L2Guard} is built from. */
export interface L2GuardOptions {
  /** The breaker's name in traces: `'service'`, or the cache that has its own. */
  name: string
  backend: L2Backend
  breaker: CircuitBreaker
  /** Cap on one L2 command (waiting for a connection being made included). */
  commandTimeoutMs: number
  /** While the breaker is open, how often a PING checks whether L2 is back; 0: never. */
  probeIntervalMs: number
  logger: Logger
}

/**
 * The single door to L2 for the caches that share one breaker: every call is skipped while the
 * breaker is open, capped by `l2CommandTimeout`, and its outcome reported to the breaker.
 *
 * Recovery is one task at a time, so at most one probe is ever in flight. While the breaker is open,
 * a PING every `probeIntervalMs` (and one each time the client reports the connection ready again)
 * checks whether L2 is back; the first that succeeds ends the open period without waiting out the
 * breaker's timeout. The breaker then goes half-open, every participant's repair journal is replayed,
 * every participant's L1 is resynced, and only then does the breaker close: L2 is never read again
 * before what was missed during the outage is repaired.
 */
export class L2Guard {
  readonly name: string
  readonly backend: L2Backend
  readonly breaker: CircuitBreaker
  readonly commandTimeoutMs: number
  readonly probeIntervalMs: number
  readonly #logger: Logger
  readonly #participants = new Set<RepairParticipant>()
  readonly #disposers: Array<() => void>
  #recovery: Promise<void> | undefined
  #probeTimer: NodeJS.Timeout | undefined
  /** Set when L1 may hold entries that others invalidated while this process could not hear of it. */
  #pendingResync: ResyncReason | undefined
  #unansweredProbe = false
  /** Whether the connection has been ready before: a later `ready` event is then a reconnection. */
  #wasReady: boolean
  #closed = false
  /**
   * Given every finished L2 operation while set (the service's `l2:operation` event). While it is unset
   * and the tracing channel has no subscriber, operations are neither measured nor described.
   */
  operationListener: ((operation: L2OperationEvent) => void) | undefined

  constructor(options: L2GuardOptions) {
    this.name = options.name
    this.backend = options.backend
    this.breaker = options.breaker
    this.commandTimeoutMs = options.commandTimeoutMs
    this.probeIntervalMs = options.probeIntervalMs
    this.#logger = options.logger
    this.#wasReady = this.backend.readiness() === 'ready'
    this.#disposers = [
      this.backend.onReady(() => this.#onConnectionReady()),
      this.breaker.onStateChange((state) => {
        if (state === 'open') this.#onBreakerOpen()
        else if (state === 'closed') this.#stopProbing()
      }),
    ]
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
   * With a `budget` (an operation of several calls), the call is capped by what is left of it and
   * takes its time off; an exhausted budget skips the call ({@link L2_FAILED}, not a failure).
   */
  async run<T>(
    operation: string,
    command: (backend: L2Backend) => Promise<T>,
    caller: L2Caller,
    budget?: L2Budget,
  ): Promise<T | typeof L2_FAILED> {
    if (budget !== undefined) return this.#runWithin(operation, command, caller, budget)
    if (!this.isAvailable()) return L2_FAILED
    // Inline rather than through #run: get and set take this path, one async layer less.
    try {
      const value = await this.#execute(operation, command, caller.name, this.commandTimeoutMs)
      this.breaker.recordSuccess()
      if (this.#recovery === undefined && this.#hasPendingRepairs()) this.#startRecovery()
      return value
    } catch (error) {
      return this.#failed(operation, error, caller)
    }
  }

  /** {@link run} within what is left of `budget`, taking the call's time off it. */
  async #runWithin<T>(
    operation: string,
    command: (backend: L2Backend) => Promise<T>,
    caller: L2Caller,
    budget: L2Budget,
  ): Promise<T | typeof L2_FAILED> {
    if (budget.remainingMs <= 0 || !this.isAvailable()) return L2_FAILED
    const startedAt = performance.now()
    const timeoutMs = Math.max(1, Math.min(this.commandTimeoutMs, budget.remainingMs))
    try {
      const value = await this.#execute(operation, command, caller.name, timeoutMs)
      this.breaker.recordSuccess()
      if (this.#recovery === undefined && this.#hasPendingRepairs()) this.#startRecovery()
      return value
    } catch (error) {
      return this.#failed(operation, error, caller)
    } finally {
      budget.remainingMs -= performance.now() - startedAt
    }
  }

  /** A failed call: counted for its caller, reported to the breaker. */
  #failed(operation: string, error: unknown, caller: L2Caller): typeof L2_FAILED {
    const timedOut = isCacheTimeoutError(error)
    if (timedOut) caller.counters.timeouts++
    else caller.counters.errors++
    caller.onFailure?.(operation, error, timedOut)
    this.breaker.recordFailure()
    this.#logger.debug({ operation, error: (error as Error).message }, 'L2 call failed')
    return L2_FAILED
  }

  /**
   * Runs a command that is not a data operation (an announcement on the invalidation bus): skipped
   * while the breaker is open ({@link L2_FAILED}) and bounded by the timeout like any call, but its
   * outcome is not reported to the breaker, which judges whether L2 serves data: a server that refuses
   * PUBLISH to this user still serves GET and SET. Rejects with the failure, for the caller to judge.
   */
  async runBeside<T>(
    operation: string,
    command: (backend: L2Backend) => Promise<T>,
    caller: L2Caller,
  ): Promise<T | typeof L2_FAILED> {
    if (!this.isAvailable()) return L2_FAILED
    return this.#execute(operation, command, caller.name, this.commandTimeoutMs)
  }

  /**
   * One PING within the timeout, waiting for a connection still being made; outside the breaker's
   * accounting (for health checks). Never rejects.
   */
  async ping(): Promise<boolean> {
    try {
      await this.#execute('ping', (backend) => backend.ping(), undefined, this.commandTimeoutMs)
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
    this.#stopProbing()
    for (const dispose of this.#disposers) dispose()
    await this.settled()
  }

  /** One bounded L2 command, measured and published when someone watches (see `operationListener`). */
  #execute<T>(
    operation: string,
    command: (backend: L2Backend) => Promise<T>,
    cache: string | undefined,
    timeoutMs: number,
  ): Promise<T> {
    const listener = this.operationListener
    if (listener === undefined && !isL2TracingActive()) return this.#bounded(operation, command, timeoutMs)
    return traceL2Operation(
      { operation, cache, breaker: this.name, backend: this.backend.name },
      () => this.#bounded(operation, command, timeoutMs),
      (error) => (isCacheTimeoutError(error) ? 'timeout' : 'error'),
      listener,
    )
  }

  /** One L2 command within `timeoutMs`; waits for a connection that is still being made, within the same bound. */
  async #bounded<T>(
    operation: string,
    command: (backend: L2Backend) => Promise<T>,
    timeoutMs: number,
  ): Promise<T> {
    const readiness = this.backend.readiness()
    if (readiness === 'ready') {
      return withTimeout(command(this.backend), timeoutMs, operation)
    }
    if (readiness === 'down') {
      throw new CacheConnectionError(`L2 is not connected (${this.backend.status})`)
    }
    const startedAt = performance.now()
    await this.#waitForReady(operation, timeoutMs)
    const remainingMs = timeoutMs - (performance.now() - startedAt)
    return withTimeout(command(this.backend), Math.max(1, remainingMs), operation)
  }

  /** Waits for the connection being made, at most `timeoutMs`; leaves no listener behind. */
  #waitForReady(operation: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        stop()
        reject(new CacheTimeoutError(`L2 ${operation}: no connection within ${timeoutMs} ms`))
      }, timeoutMs)
      const stop = this.backend.onReady(() => {
        clearTimeout(timer)
        stop()
        resolve()
      })
    })
  }

  /**
   * One probe PING within the timeout. A probe that timed out may still be waiting on the socket (a
   * hung server): no new one is sent until it is answered, so probes never pile up on the wire, and
   * its late answer starts recovery at once instead of at the next interval.
   */
  async #probe(): Promise<boolean> {
    if (this.#unansweredProbe) return false
    try {
      await this.#execute(
        'ping',
        (backend) => {
          const ping = backend.ping()
          this.#unansweredProbe = true
          ping.then(
            () => {
              this.#unansweredProbe = false
              if (this.breaker.state === 'open') this.#startRecovery(true)
            },
            () => {
              this.#unansweredProbe = false
            },
          )
          return ping
        },
        undefined,
        this.commandTimeoutMs,
      )
      return true
    } catch {
      return false
    }
  }

  #hasPendingRepairs(): boolean {
    for (const participant of this.#participants) if (participant.hasPendingRepairs()) return true
    return false
  }

  #onBreakerOpen(): void {
    this.#pendingResync = 'breaker'
    if (this.#probeTimer !== undefined || this.probeIntervalMs === 0 || this.#closed) return
    this.#probeTimer = setInterval(() => this.#onProbeTick(), this.probeIntervalMs)
    this.#probeTimer.unref()
  }

  #stopProbing(): void {
    clearInterval(this.#probeTimer)
    this.#probeTimer = undefined
  }

  #onProbeTick(): void {
    // While the client is reconnecting a PING cannot succeed; its `ready` event starts the probe.
    if (this.breaker.state === 'open' && this.backend.readiness() !== 'down') this.#startRecovery(true)
  }

  #onConnectionReady(): void {
    const reconnected = this.#wasReady
    this.#wasReady = true
    if (reconnected) {
      // Invalidations may have been missed while disconnected. With the breaker closed nothing else
      // will notice, so resync now, before any command on the new connection can answer.
      if (this.breaker.state === 'closed') this.#resync('reconnect')
      else this.#pendingResync ??= 'reconnect'
    }
    this.#startRecovery(true)
  }

  #resync(reason: ResyncReason): void {
    this.#pendingResync = undefined
    for (const participant of this.#participants) participant.resync(reason)
  }

  /** `early`: a probe tick or a reconnection, which may end the open period before its timeout. */
  #startRecovery(early = false): void {
    if (this.#recovery !== undefined || this.#closed) return
    this.#recovery = this.#recover(early).finally(() => {
      this.#recovery = undefined
      // Writes skipped while the journal was replayed (the breaker was half-open) were journaled
      // after the replay's plan was made. Replay them now that L2 takes writes again, rather than at
      // the next call: until then other instances could read from L2 what they replaced.
      if (!this.#closed && this.breaker.state === 'closed' && this.#hasPendingRepairs()) {
        this.#startRecovery()
      }
    })
  }

  /** The probe (when the breaker is open), the journal replay and the L1 resync, as one task. Never rejects. */
  async #recover(early: boolean): Promise<void> {
    const breaker = this.breaker
    let answered = false
    if (breaker.state === 'open' && !breaker.isProbeDue()) {
      // Before the timeout, only a PING that succeeds ends the open period; a failed one changes
      // nothing (no half-open flapping, no log line every interval while L2 stays away).
      if (!early || !(await this.#probe()) || this.#closed) return
      breaker.allowEarlyProbe()
      answered = true
    }
    const probing = breaker.tryStartProbe()
    if (!probing && (!breaker.allowsRequest() || !this.#hasPendingRepairs())) return
    try {
      if (probing && !answered && !(await this.#probe())) {
        throw new CacheConnectionError('L2 did not answer the probe')
      }
      for (const participant of this.#participants) {
        if (participant.hasPendingRepairs()) {
          await participant.repair((operation, command) =>
            this.#execute(operation, command, participant.name, this.commandTimeoutMs),
          )
        }
      }
      if (probing) {
        // Synchronously with closing, so that no read reaches L2 before L1 has been resynced.
        if (this.#pendingResync !== undefined) this.#resync(this.#pendingResync)
        breaker.probeSucceeded()
      }
    } catch (error) {
      if (probing) breaker.probeFailed()
      else breaker.recordFailure()
      this.#logger.debug({ error: (error as Error).message }, 'L2 recovery attempt failed')
    }
  }
}
