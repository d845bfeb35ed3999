import { CacheLoaderTimeoutError, CacheSerializationError } from '../kernel/errors.js'
import type { LoadTrigger, StaleReason } from '../kernel/events.js'
import { LOAD, LOAD_ERROR, STALE } from '../kernel/watched-emitter.js'
import { type L2Budget, l2Budget } from '../resilience/l2-budget.js'
import { L2_FAILED } from '../resilience/l2-guard.js'
import { lockKeyOf, newLockToken, pauseBeforeLook } from './distributed-lock.js'
import { type EntryProbe, type KeepInL1, newEntryProbe } from './entry-probe.js'
import { GraceBackoff } from './grace-backoff.js'
import { LoadFlight } from './load-flight.js'
import type { LoadTarget } from './load-target.js'
import { type Loader, type LoaderContext, newLoaderCall } from './loader-context.js'
import { type LoadingCounters, newLoadingCounters } from './loading-counters.js'
import type { ResolvedGetOrSetOptions } from './loading-options.js'

const UNDEFINED_VALUE = 'The loader resolved undefined, which cannot be cached; resolve null for "nothing"'

/** One load: the key, its loader and options, what the lookups found, and the flight it settles. */
interface Load<V> {
  key: string
  // Method syntax, so that a load of a narrower V stays assignable to one of `unknown`.
  loader(ctx: LoaderContext<V>): V | PromiseLike<V>
  options: ResolvedGetOrSetOptions
  probe: EntryProbe<V>
  flight: LoadFlight<V>
  budget: L2Budget | undefined
  keep: KeepInL1
  trigger: LoadTrigger
}

/**
 * The loading flow of `getOrSet`: L1, then one flight per key in this process (L2, then the loader,
 * under a distributed lock when asked), its value written through. Around the loader: the fail-safe
 * copy kept by `grace` (served on a loader error, for `graceBackoff` after it, past `softTimeout`
 * and `hardTimeout`), eager refresh of entries near their expiry, and the callers' own signals.
 * Every flight spends at most `l2CommandTimeout` in all waiting on L2 for its callers.
 */
export class LoadFlow<V> {
  readonly counters: LoadingCounters = newLoadingCounters()
  readonly #target: LoadTarget<V>
  /** The loads callers wait for, by key. */
  readonly #flights = new Map<string, LoadFlight<V>>()
  /**
   * The eager refreshes in flight, by key: apart from {@link #flights}, because a caller that misses
   * L1 meanwhile must not wait for a reload of a value L2 still holds live.
   */
  readonly #refreshing = new Map<string, LoadFlight<V>>()
  readonly #backoff = new GraceBackoff()

  constructor(target: LoadTarget<V>) {
    this.#target = target
  }

  /** The value of `key` from L1, L2 or the loader; concurrent calls for one key share one flight. */
  getOrSet(key: string, loader: Loader<V>, options: ResolvedGetOrSetOptions): Promise<V> {
    const target = this.#target
    const keep = keepOf(options)
    const probe = keep.timed ? newEntryProbe<V>() : undefined
    const inL1 = target.readL1(key, probe)
    if (inL1 !== undefined) {
      if (probe !== undefined && this.#refreshDue(probe.expiresAtMs, options))
        this.#refresh(key, loader, options)
      return Promise.resolve(inL1)
    }
    const signal = options.signal
    if (signal?.aborted) return Promise.reject(signal.reason)
    let flight = this.#flights.get(key)
    if (flight !== undefined && !this.#joinable(flight)) {
      this.#forget(key, flight)
      flight = undefined
    }
    flight ??= this.#start(key, loader, options, probe ?? newEntryProbe<V>(), keep)
    return flight.wait(signal)
  }

  #start(
    key: string,
    loader: Loader<V>,
    options: ResolvedGetOrSetOptions,
    probe: EntryProbe<V>,
    keep: KeepInL1,
  ): LoadFlight<V> {
    const flight = this.#register(key, this.#flights)
    const load: Load<V> = {
      key,
      loader,
      options,
      probe,
      flight,
      budget: this.#budget(),
      keep,
      trigger: 'miss',
    }
    this.#startHardTimeout(load)
    void this.#fly(load).then(
      (refreshDue) => {
        this.#end(key, flight)
        if (refreshDue) this.#refresh(key, loader, options)
      },
      (error: unknown) => {
        flight.reject(error)
        this.#end(key, flight)
      },
    )
    return flight
  }

  /**
   * Whether a new caller may join `flight`: not when the key changed since it started (its value may
   * be older than the change), nor when it serves an expired copy that is now past `grace` (a loader
   * that never settles, without `hardTimeout`, must not serve it for ever).
   */
  #joinable(flight: LoadFlight<V>): boolean {
    if (flight.invalidated) return false
    const staleUntilMs = flight.staleUntilMs
    return staleUntilMs === undefined || this.#target.clock.now() < staleUntilMs
  }

  /** A new flight for `key` in `flights`, forgotten (and its loader aborted) when every caller left it. */
  #register(key: string, flights: Map<string, LoadFlight<V>>): LoadFlight<V> {
    const flight = new LoadFlight<V>()
    flight.ticket = this.#target.beginLoad(key)
    flight.onAllLeft = () => {
      flight.abandon(new Error('every caller of this load left (their signals aborted)'))
      this.#end(key, flight)
    }
    flights.set(key, flight)
    return flight
  }

  /** A flight is over (or abandoned): its timers, its registration and its tracking end. */
  #end(key: string, flight: LoadFlight<V>): void {
    flight.clearTimers()
    this.#forget(key, flight)
    const ticket = flight.ticket
    if (ticket === undefined) return
    flight.ticket = undefined
    this.#target.endLoad(ticket)
  }

  /** Only the flight still registered: an abandoned one must never remove its successor. */
  #forget(key: string, flight: LoadFlight<V>): void {
    if (this.#flights.get(key) === flight) this.#flights.delete(key)
    else if (this.#refreshing.get(key) === flight) this.#refreshing.delete(key)
  }

  /** A fresh L2 budget of `l2CommandTimeout`, for one flight's calls. */
  #budget(): L2Budget | undefined {
    const l2 = this.#target.l2
    return l2 === undefined ? undefined : l2Budget(l2.guard.commandTimeoutMs)
  }

  /** One flight after an L1 miss: L2, the backoff, then the loader. Resolves whether to refresh eagerly. */
  async #fly(load: Load<V>): Promise<boolean> {
    const { key, options, probe, flight } = load
    const target = this.#target
    const found = await target.lookUpPastL1(key, probe, load.budget, load.keep)
    // Every caller left during the lookup: nobody to load for.
    if (flight.abandoned) return false
    if (found !== undefined) {
      // Forgotten before its callers resume: a call they make next must not join this flight.
      this.#forget(key, flight)
      flight.resolve(found)
      return this.#refreshDue(probe.expiresAtMs, options)
    }
    if (this.#backoff.isActive(key, target.clock.now()) && this.#hasGraceCopy(load)) {
      this.#forget(key, flight)
      this.#serveStale(load, 'backoff')
      return false
    }
    await this.#loadMaybeUnderLock(load)
    return false
  }

  /** With `lock: 'distributed'`: under a lock in L2; else (or without L2) here and now. */
  #loadMaybeUnderLock(load: Load<V>): Promise<void> {
    const l2 = this.#target.l2
    return load.options.distributed && l2 !== undefined ? this.#loadUnderLock(load) : this.#load(load)
  }

  /** Calls the loader, bounded by the timeouts, and stores its value; the fail-safe copy on failure. */
  async #load(load: Load<V>): Promise<void> {
    const { key, options, flight, probe } = load
    const target = this.#target
    const waited = load.trigger === 'miss'
    const graceCopy = this.#hasGraceCopy(load)
    // hardTimeout passed while looking in L2 or waiting for the lock: nobody to load for.
    if (flight.abandoned) return
    this.counters.loads++
    const call = newLoaderCall(key, flight.controller.signal, probe.value)
    if (waited && graceCopy && options.softTimeoutMs > 0) {
      flight.after(options.softTimeoutMs, () => {
        if (flight.settled) return
        this.counters.softTimeouts++
        this.#serveStale(load, 'soft-timeout')
        flight.staleUntilMs = target.clock.now() + options.graceMs - probe.expiredForMs
      })
    }
    const startedAt = performance.now()
    let value: V
    try {
      value = await load.loader(call.ctx)
    } catch (error) {
      flight.clearTimers()
      if (flight.abandoned) return
      this.#forget(key, flight)
      this.counters.loadErrors++
      this.#notifyError(load, error)
      if (waited && graceCopy && !flight.settled) {
        this.#backoff.start(key, target.clock.now() + options.graceBackoffMs)
        target.logger.warn(
          {
            cache: target.name,
            expiredForMs: Math.round(probe.expiredForMs),
            error: (error as Error)?.message,
          },
          'Loader failed: serving the expired copy (grace)',
        )
        this.#serveStale(load, 'error')
        return
      }
      flight.reject(error)
      return
    }
    flight.clearTimers()
    if (value === undefined) throw new CacheSerializationError(UNDEFINED_VALUE)
    const stored = !call.skipped && !flight.abandoned && !flight.invalidated
    if (stored) {
      const ttlMs = target.entryTtlMs(call.ttlMs ?? options.ttlMs)
      await target.writeThrough(key, value, ttlMs, load.keep, load.budget)
      this.#backoff.end(key)
    }
    if ((target.events.watched & LOAD) !== 0) {
      const durationMs = performance.now() - startedAt
      target.events.notify('load', { cache: target.name, key, trigger: load.trigger, durationMs, stored })
    }
    this.#forget(key, flight)
    flight.resolve(value)
  }

  /**
   * Arms `hardTimeout` for a whole flight (the L2 lookup, the wait for a distributed lock, the
   * loader): a key is never held beyond its callers' patience.
   */
  #startHardTimeout(load: Load<V>): void {
    const hardTimeoutMs = load.options.hardTimeoutMs
    if (hardTimeoutMs > 0) load.flight.after(hardTimeoutMs, () => this.#hardTimeout(load))
  }

  /** `hardTimeout` passed: callers get the expired copy or a timeout error, the loader is aborted. */
  #hardTimeout(load: Load<V>): void {
    const { flight, options } = load
    const error = new CacheLoaderTimeoutError(load.key, options.hardTimeoutMs)
    this.counters.hardTimeouts++
    if (load.trigger === 'miss' && this.#hasGraceCopy(load)) this.#serveStale(load, 'hard-timeout')
    else flight.reject(error)
    this.counters.loadErrors++
    this.#notifyError(load, error)
    flight.abandon(error)
    this.#end(load.key, flight)
  }

  /** Whether the lookups found a copy that expired within `grace`. */
  #hasGraceCopy(load: Load<V>): boolean {
    return load.probe.value !== undefined && load.probe.expiredForMs <= load.options.graceMs
  }

  #serveStale(load: Load<V>, reason: StaleReason): void {
    const { probe, flight } = load
    if (flight.settled) return
    this.counters.staleServed++
    const target = this.#target
    if ((target.events.watched & STALE) !== 0) {
      const expiredForMs = Math.max(0, probe.expiredForMs)
      target.events.notify('stale', { cache: target.name, key: load.key, reason, expiredForMs })
    }
    flight.resolve(probe.value as V)
  }

  #notifyError(load: Load<V>, error: unknown): void {
    const target = this.#target
    if ((target.events.watched & LOAD_ERROR) === 0) return
    const asError = error instanceof Error ? error : new Error(String(error))
    target.events.notify('load:error', {
      cache: target.name,
      key: load.key,
      trigger: load.trigger,
      error: asError,
    })
  }

  /** Whether an entry expiring at `expiresAtMs` is past `eagerRefresh` of its lifetime. */
  #refreshDue(expiresAtMs: number, options: ResolvedGetOrSetOptions): boolean {
    if (options.eagerRefresh === 0 || expiresAtMs === Number.POSITIVE_INFINITY) return false
    const lifetimeMs = options.ttlMs ?? this.#target.defaultTtlMs
    return expiresAtMs - this.#target.clock.now() <= (1 - options.eagerRefresh) * lifetimeMs
  }

  /**
   * Starts one background reload of `key`, unless one is in flight: L2 first (another instance may
   * have reloaded it), then the loader, under the lock with `lock: 'distributed'`. Nobody waits for it.
   */
  #refresh(key: string, loader: Loader<V>, options: ResolvedGetOrSetOptions): void {
    if (this.#refreshing.has(key) || this.#flights.has(key)) return
    this.counters.eagerRefreshes++
    const flight = this.#register(key, this.#refreshing)
    const load: Load<V> = {
      key,
      loader,
      options,
      probe: newEntryProbe<V>(),
      flight,
      budget: this.#budget(),
      keep: keepOf(options),
      trigger: 'refresh',
    }
    const forget = () => this.#end(key, flight)
    this.#startHardTimeout(load)
    void this.#reload(load).then(forget, (error: unknown) => {
      flight.reject(error)
      forget()
    })
  }

  async #reload(load: Load<V>): Promise<void> {
    if (this.#target.l2 !== undefined) {
      const found = await this.#target.readL2(load.key, load.probe, load.budget, load.keep)
      if (found !== undefined && !this.#refreshDue(load.probe.expiresAtMs, load.options)) {
        return load.flight.resolve(found)
      }
      // The live value, for the loader's conditional fetch.
      if (found !== undefined) load.probe.value = found
    }
    await this.#loadMaybeUnderLock(load)
  }

  /**
   * Loads under an L2 lock (`SET NX PX` with a random token, released by compare-and-delete), so that
   * one instance loads while the others look for its value in L2, at growing intervals, until
   * `lockTimeout`. Loads here when L2 cannot take the lock, the wait ends or the L2 budget is spent:
   * the lock is an optimisation, never a reason to fail. A refresh waits for a value that is not due
   * for refresh itself (the one it saw is still live).
   */
  async #loadUnderLock(load: Load<V>): Promise<void> {
    const { guard, caller } = this.#target.l2 as NonNullable<LoadTarget<V>['l2']>
    const { options, budget } = load
    const lockKey = lockKeyOf(this.#target.keyPrefix + load.key)
    const token = newLockToken()
    const deadline = performance.now() + options.lockTimeoutMs
    let waited = false
    for (let attempt = 0; !load.flight.abandoned; attempt++) {
      const acquired = await guard.run(
        'lock',
        (l2) => l2.setIfNotExist(lockKey, token, options.lockTimeoutMs),
        caller,
        budget,
      )
      if (acquired === L2_FAILED) return this.#load(load)
      if (acquired) {
        this.counters.locksAcquired++
        try {
          // Another instance may have stored its value and released the lock between our look at
          // L2 and the lock: look once more, so that one value is not loaded twice.
          if (!(await this.#foundInL2(load))) await this.#load(load)
          return
        } finally {
          void guard.run(
            'unlock',
            (l2) => l2.deleteIfEquals?.(lockKey, token) ?? Promise.resolve(false),
            caller,
          )
        }
      }
      if (!waited) {
        waited = true
        this.counters.lockWaits++
      }
      if (performance.now() >= deadline || (budget !== undefined && budget.remainingMs <= 0)) {
        this.counters.lockWaitsTimedOut++
        return this.#load(load)
      }
      await pauseBeforeLook(attempt)
      if (await this.#foundInL2(load)) return
    }
  }

  /**
   * Whether L2 now holds what this load is for (a live value for a miss, one not due for refresh for
   * a refresh), which then settles it.
   */
  async #foundInL2(load: Load<V>): Promise<boolean> {
    const probe = newEntryProbe<V>()
    const found = await this.#target.readL2(load.key, probe, load.budget, load.keep)
    if (found === undefined) return false
    if (load.trigger === 'refresh' && this.#refreshDue(probe.expiresAtMs, load.options)) return false
    this.#forget(load.key, load.flight)
    load.flight.resolve(found)
    return true
  }
}

/** Entries kept as usual: bare in L1, nothing past their expiry. */
const PLAIN: KeepInL1 = Object.freeze({ graceMs: 0, timed: false })

/** How a load keeps entries in L1: timed when `grace` or `eagerRefresh` needs their expiry. */
function keepOf(options: ResolvedGetOrSetOptions): KeepInL1 {
  if (options.graceMs === 0 && options.eagerRefresh === 0) return PLAIN
  return { graceMs: options.graceMs, timed: true }
}
