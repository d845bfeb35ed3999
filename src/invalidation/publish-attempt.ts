import { serverRefusalCode } from '../backends/l2/server-refusal.js'
import type { InvalidationHealth } from './invalidation-health.js'
import type { PublishOutcome } from './invalidation-publisher.js'

/**
 * Runs one publish and says what became of it, reporting failures to `health` (never to the breaker).
 * @param publish resolves `true` when the message reached L2, `false` when L2 was skipped (breaker
 * open); rejects with the failure.
 */
export async function attemptPublish(
  publish: () => Promise<boolean>,
  health: InvalidationHealth,
): Promise<PublishOutcome> {
  try {
    if (!(await publish())) return 'unreachable'
    health.succeeded('publish')
    return 'sent'
  } catch (error) {
    health.failed('publish', error)
    return serverRefusalCode(error) === undefined ? 'unreachable' : 'refused'
  }
}
