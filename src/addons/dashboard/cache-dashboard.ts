import { CacheConfigurationError, type CacheService, type CacheStats } from 'resilient-cache'
import { DASHBOARD_CSP, dashboardHtml } from './dashboard-page.js'
import type { LatencyPercentiles } from './latency-window.js'
import {
  type BreakerTransition,
  type CacheHistoryPoint,
  ServiceMonitor,
  totalsOf,
} from './service-monitor.js'

/** Where the integrations mount the dashboard unless told otherwise. */
export const DEFAULT_DASHBOARD_PATH = '/cache/dashboard'

/** Options of the dashboard (each integration's `dashboard(...)`). */
export interface DashboardOptions {
  /** Seconds between two history points of each cache. @default 1 */
  sampleInterval?: number
  /** History points kept per cache (at the default interval, 5 minutes). @default 300 */
  historySize?: number
  /** Seconds between two refreshes of an open page. @default 2 */
  refreshInterval?: number
}

/** One cache, as the JSON endpoint describes it. Counts, sizes and durations only: never a key or value. */
export interface DashboardCache {
  name: string
  hitRate: {
    /** Hits over lookups since the cache was created, or `null` before the first lookup. */
    total: number | null
    lookups: number
  }
  l1: { enabled: boolean; size: number; maxSize: number; usagePercent: number }
  l2: {
    enabled: boolean
    backend: string
    hits: number
    misses: number
    errors: number
    timeouts: number
    pendingRepairs: number
    repairs: number
    /** Percentiles (ms) of the most recent L2 operations, or `null` before the first. */
    latency: LatencyPercentiles | null
    breaker: {
      state: CacheStats['l2']['circuitBreaker']['state']
      failureCount: number
      history: BreakerTransition[]
    }
  }
  invalidation: CacheStats['invalidation']
  history: CacheHistoryPoint[]
}

/** The JSON endpoint's answer. */
export interface DashboardData {
  /** Epoch ms. */
  generatedAt: number
  sampleIntervalMs: number
  service: { l2: { backend: string; status: string; connected: boolean } }
  caches: DashboardCache[]
}

/** An HTTP answer, for the integrations to send. */
export interface DashboardResponse {
  status: number
  headers: Record<string, string>
  body: string
}

const COMMON_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
}

/**
 * The dashboard of one service, independent of any framework: the page, and its JSON at `data.json`
 * beside it. Read-only. Created only when an integration mounts it, it then keeps a
 * {@link ServiceMonitor} (an unref'd timer and listeners) until `close()`.
 */
export class CacheDashboard {
  readonly #service: CacheService
  readonly #monitor: ServiceMonitor
  readonly #sampleIntervalMs: number
  readonly #page: string

  /** @throws CacheConfigurationError for an invalid option. */
  constructor(service: CacheService, options: DashboardOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new CacheConfigurationError('dashboard', 'expected an object of dashboard options')
    }
    this.#sampleIntervalMs = seconds(options.sampleInterval, 1, 'dashboard.sampleInterval') * 1000
    const refreshMs = seconds(options.refreshInterval, 2, 'dashboard.refreshInterval') * 1000
    const historySize = options.historySize ?? 300
    if (!Number.isInteger(historySize) || historySize < 1) {
      throw new CacheConfigurationError(
        'dashboard.historySize',
        `expected an integer >= 1, got ${historySize}`,
      )
    }
    this.#service = service
    this.#page = dashboardHtml(refreshMs)
    this.#monitor = new ServiceMonitor(service, { sampleIntervalMs: this.#sampleIntervalMs, historySize })
  }

  /**
   * The answer to a request for `subpath` (the path below the mount point: `/` or empty for the page,
   * `/data.json` for the data), or `undefined` when the path is not the dashboard's.
   */
  respond(method: string, subpath: string): DashboardResponse | undefined {
    const path = subpath === '' ? '/' : subpath
    if (path !== '/' && path !== '/data.json') return undefined
    if (method !== 'GET' && method !== 'HEAD') {
      return {
        status: 405,
        headers: { ...COMMON_HEADERS, allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' },
        body: 'The cache dashboard is read-only\n',
      }
    }
    if (path === '/data.json') {
      return {
        status: 200,
        headers: { ...COMMON_HEADERS, 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(this.data()),
      }
    }
    return {
      status: 200,
      headers: {
        ...COMMON_HEADERS,
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': DASHBOARD_CSP,
        'x-frame-options': 'DENY',
      },
      body: this.#page,
    }
  }

  /** What the JSON endpoint serves: the statistics of now, and the monitor's history. */
  data(): DashboardData {
    const stats = this.#service.getStats()
    const caches: DashboardCache[] = []
    for (const [name, cache] of Object.entries(stats.caches)) {
      const observation = this.#monitor.observe(name)
      const totals = totalsOf(cache)
      caches.push({
        name,
        hitRate: { total: totals.lookups > 0 ? totals.hits / totals.lookups : null, lookups: totals.lookups },
        l1: {
          enabled: cache.l1.enabled,
          size: cache.l1.size,
          maxSize: cache.l1.maxSize,
          usagePercent: cache.l1.usagePercent,
        },
        l2: {
          enabled: cache.l2.enabled,
          backend: cache.l2.backend,
          hits: cache.l2.hits,
          misses: cache.l2.misses,
          errors: cache.l2.errors,
          timeouts: cache.l2.timeouts,
          pendingRepairs: cache.l2.pendingRepairs,
          repairs: cache.l2.repairs,
          latency: observation?.latency ?? null,
          breaker: {
            state: cache.l2.circuitBreaker.state,
            failureCount: cache.l2.circuitBreaker.failureCount,
            history: observation?.breakerHistory ?? [],
          },
        },
        invalidation: cache.invalidation,
        history: observation?.history ?? [],
      })
    }
    return {
      generatedAt: Date.now(),
      sampleIntervalMs: this.#sampleIntervalMs,
      service: { l2: { backend: stats.l2.backend, status: stats.l2.status, connected: stats.l2.connected } },
      caches,
    }
  }

  /** Stops the monitor (timer and listeners). Idempotent. */
  close(): void {
    this.#monitor.close()
  }
}

/** A duration option in seconds: a positive finite number, or the default. */
function seconds(value: number | undefined, fallback: number, field: string): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new CacheConfigurationError(field, `expected a number of seconds > 0, got ${String(value)}`)
  }
  return value
}
