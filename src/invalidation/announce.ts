import type { L2Backend } from '../backends/l2/l2-backend.js'
import type { L2Caller } from '../resilience/l2-guard.js'
import type { InvalidationBus } from './invalidation-bus.js'

/** Runs one L2 command for a caller: the guard's `run`, or a repair's executor (which throws on failure). */
export type L2Runner<R> = (
  operation: string,
  command: (l2: L2Backend) => Promise<void>,
  caller: L2Caller,
) => Promise<R>

/**
 * Announces on the bus that `keys` of cache `cacheName` (every key for `null`) changed, through `run`.
 * Resolves what `run` resolves (the guard's failure marker, when it is the guard).
 */
export function announceOnBus<R>(
  bus: InvalidationBus,
  cacheName: string,
  run: L2Runner<R>,
  keys: readonly string[] | null,
  caller: L2Caller,
): Promise<R> {
  const message = bus.encode(cacheName, keys)
  return run(
    'publish',
    (l2) => (l2.publish as NonNullable<L2Backend['publish']>)(bus.channel, message),
    caller,
  )
}
