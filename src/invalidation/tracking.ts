import type { L2Backend, L2Subscription } from '../backends/l2/l2-backend.js'
import type { InvalidationReceiver } from './invalidation-bus.js'
import type { InvalidationHealth } from './invalidation-health.js'

/** Whether a backend can do server-assisted tracking. */
export function supportsTracking(
  backend: L2Backend,
): backend is L2Backend & Required<Pick<L2Backend, 'track'>> {
  return typeof backend.track === 'function'
}

/**
 * Has Redis report every change of the keys under `keyPrefix` (`<l2KeyPrefix>::`) made by any other
 * client, this service's own writes excepted, and drops those keys from the cache's L1. Failures to
 * set it up go to `health`, never to the breaker.
 */
export function trackCache(
  backend: L2Backend & Required<Pick<L2Backend, 'track'>>,
  receiver: InvalidationReceiver,
  keyPrefix: string,
  health: InvalidationHealth,
): L2Subscription {
  return backend.track(keyPrefix, {
    invalidated: (fullKeys) =>
      receiver.applyInvalidation(
        fullKeys === null ? null : fullKeys.map((fullKey) => fullKey.slice(keyPrefix.length)),
      ),
    resubscribed: () => receiver.resync('subscriber'),
    failed: (error) => health.failed('tracking', error),
    established: () => health.succeeded('tracking'),
  })
}
