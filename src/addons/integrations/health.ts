import type { CacheService, CacheServiceStats, InvalidationHealthStats } from 'resilient-cache'

/**
 * Body of a healthy answer: the service's statistics, and whether invalidations get through (a
 * failing bus or tracking is reported here, not as a 503: L2 still serves data).
 */
export interface HealthyBody {
  status: 'healthy'
  invalidation: InvalidationHealthStats
  stats: CacheServiceStats
}

/** Body of a degraded answer, as in the Python resilient-cache's health-check example. */
export interface DegradedBody {
  status: 'degraded'
  reason: 'L2 unavailable'
}

/** What a health endpoint answers: HTTP status and JSON body. */
export type CacheHealthReport =
  | { statusCode: 200; body: HealthyBody }
  | { statusCode: 503; body: DegradedBody }

/**
 * The health of a service, from `getStats()` alone (synchronous, no I/O, so a health probe never
 * waits on Redis): 503 `{ status: 'degraded', reason: 'L2 unavailable' }` while the shared circuit
 * breaker, or the breaker of any cache that has its own, is open; else 200
 * `{ status: 'healthy', invalidation, stats }`.
 * The cache keeps serving (from L1) while degraded: the 503 tells a load balancer or an operator, it
 * does not mean requests fail.
 */
export function checkCacheHealth(service: CacheService): CacheHealthReport {
  const stats = service.getStats()
  if (isL2Unavailable(stats)) {
    return { statusCode: 503, body: { status: 'degraded', reason: 'L2 unavailable' } }
  }
  return { statusCode: 200, body: { status: 'healthy', invalidation: stats.invalidation, stats } }
}

/** Whether a breaker that guards L2 is open: the shared one, or that of a cache with its own. */
export function isL2Unavailable(stats: CacheServiceStats): boolean {
  if (stats.l2.circuitBreaker.state === 'open') return true
  return Object.values(stats.caches).some(
    (cache) => cache.l2.enabled && cache.l2.circuitBreaker.state === 'open',
  )
}
