import type { BreakerEvent, CacheService, CacheStats, CircuitState, L2OperationEvent } from 'resilient-cache'
import { type LatencyPercentiles, LatencyWindow } from './latency-window.js'

/** One point of a cache's history, taken every sample interval. */
export interface CacheHistoryPoint {
  /** Epoch ms. */
  at: number
  /** Hits over lookups during the interval (L1 and L2 hits together), or `null` without lookups. */
  hitRate: number | null
  lookups: number
  l1Size: number
  /** L2 latency percentiles during the interval (ms), or `null` without L2 operations. */
  latency: LatencyPercentiles | null
  /** Invalidation messages sent and received during the interval. */
  invalidationsSent: number
  invalidationsReceived: number
}

/** A breaker transition seen by a cache. */
export interface BreakerTransition {
  /** Epoch ms. */
  at: number
  state: CircuitState
  previous: CircuitState
}

/** What the monitor knows of one cache besides its statistics. */
export interface CacheObservation {
  history: CacheHistoryPoint[]
  breakerHistory: BreakerTransition[]
  /** Percentiles of the most recent L2 operations (ms), or `null` before the first. */
  latency: LatencyPercentiles | null
}

/** Options of a {@link ServiceMonitor}. */
export interface ServiceMonitorOptions {
  /** How often a history point is taken, in ms. */
  sampleIntervalMs: number
  /** How many history points are kept per cache. */
  historySize: number
  /** How many breaker transitions are kept per cache. */
  breakerHistorySize?: number
}

/** The counters a history point is a difference of. */
interface Totals {
  hits: number
  lookups: number
  sent: number
  received: number
}

interface Watched {
  latency: LatencyWindow
  history: CacheHistoryPoint[]
  breakerHistory: BreakerTransition[]
  previous: Totals
  stop: () => void
}

/**
 * Keeps the recent history of a service's caches for the dashboard: hit rate, L1 size, L2 latency
 * percentiles and invalidations per interval, and breaker transitions. Reads `getStats()` on an
 * unref'd timer and listens to `l2:operation` (which makes the service measure its L2 calls while a
 * monitor runs) and to each cache's breaker events. Nothing keeps a key: only counts and durations.
 */
export class ServiceMonitor {
  readonly #service: CacheService
  readonly #options: Required<ServiceMonitorOptions>
  readonly #caches = new Map<string, Watched>()
  readonly #timer: NodeJS.Timeout
  #closed = false

  constructor(service: CacheService, options: ServiceMonitorOptions) {
    this.#service = service
    this.#options = { breakerHistorySize: 50, ...options }
    service.on('l2:operation', this.#onOperation)
    this.#discover(service.getStats().caches)
    this.#timer = setInterval(() => this.sample(), options.sampleIntervalMs)
    this.#timer.unref()
  }

  /** Takes a history point of every cache now (the timer calls it every sample interval). */
  sample(): void {
    if (this.#closed) return
    const caches = this.#service.getStats().caches
    this.#discover(caches)
    const at = Date.now()
    for (const [name, watched] of this.#caches) {
      const stats = caches[name]
      if (stats === undefined) continue
      const totals = totalsOf(stats)
      const lookups = totals.lookups - watched.previous.lookups
      watched.history.push({
        at,
        hitRate: lookups > 0 ? (totals.hits - watched.previous.hits) / lookups : null,
        lookups,
        l1Size: stats.l1.size,
        latency: watched.latency.takeInterval(),
        invalidationsSent: totals.sent - watched.previous.sent,
        invalidationsReceived: totals.received - watched.previous.received,
      })
      if (watched.history.length > this.#options.historySize) watched.history.shift()
      watched.previous = totals
    }
  }

  /** The history of one cache (copies), or `undefined` for a cache the monitor has not seen. */
  observe(name: string): CacheObservation | undefined {
    this.#discover(this.#service.getStats().caches)
    const watched = this.#caches.get(name)
    if (watched === undefined) return undefined
    return {
      history: [...watched.history],
      breakerHistory: [...watched.breakerHistory],
      latency: watched.latency.percentiles(),
    }
  }

  /** Stops the timer and every listener. Idempotent. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#timer)
    this.#service.off('l2:operation', this.#onOperation)
    for (const watched of this.#caches.values()) watched.stop()
    this.#caches.clear()
  }

  readonly #onOperation = (event: L2OperationEvent): void => {
    if (event.cache === undefined || event.durationMs === undefined) return
    this.#caches.get(event.cache)?.latency.record(event.durationMs)
  }

  /** Starts watching the caches created since the last look. */
  #discover(caches: Record<string, CacheStats>): void {
    if (this.#closed) return
    for (const [name, stats] of Object.entries(caches)) {
      if (this.#caches.has(name)) continue
      const cache = this.#service.getCache(name)
      if (cache === undefined) continue
      const breakerHistory: BreakerTransition[] = []
      const onBreaker = (event: BreakerEvent) => {
        breakerHistory.push({ at: Date.now(), state: event.state, previous: event.previous })
        if (breakerHistory.length > this.#options.breakerHistorySize) breakerHistory.shift()
      }
      const names = ['breaker:open', 'breaker:half_open', 'breaker:close'] as const
      for (const event of names) cache.on(event, onBreaker)
      this.#caches.set(name, {
        latency: new LatencyWindow(),
        history: [],
        breakerHistory,
        previous: totalsOf(stats),
        stop: () => {
          for (const event of names) cache.off(event, onBreaker)
        },
      })
    }
  }
}

/**
 * A cache's lookup totals: every lookup goes through L1 when the cache has one (its misses then go on
 * to L2), else straight to L2.
 */
export function totalsOf(stats: CacheStats): Totals {
  const lookups = stats.l1.enabled ? stats.l1.hits + stats.l1.misses : stats.l2.hits + stats.l2.misses
  return {
    hits: stats.l1.hits + stats.l2.hits,
    lookups,
    sent: stats.invalidation.messagesSent,
    received: stats.invalidation.messagesReceived,
  }
}
