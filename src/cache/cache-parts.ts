import type { L1Backend } from '../backends/l1/l1-backend.js'
import type { EntryCodec } from '../backends/l2/entry-format.js'
import type { InvalidationMode, ResolvedCacheOptions } from '../config/options.js'
import type { InvalidationBus } from '../invalidation/invalidation-bus.js'
import type { Clock } from '../kernel/clock.js'
import type { CacheEventSink } from '../kernel/events.js'
import type { Logger } from '../kernel/logger.js'
import type { L2Guard } from '../resilience/l2-guard.js'

/** What the service hands a cache it creates (internal: not part of the public API). */
export interface CacheParts {
  options: ResolvedCacheOptions
  l1: L1Backend | undefined
  /** The door to L2, `undefined` for an L1-only cache. */
  guard: L2Guard | undefined
  codec: EntryCodec | undefined
  repairJournalMaxEntries: number
  clock: Clock
  logger: Logger
  /** Where the cache's events go besides the cache itself (the service's emitter). */
  emit: CacheEventSink
  /** The events the service has listeners for (a mask of `WATCHED_EVENT_BITS`). */
  serviceListening: number
  /** The invalidation mode in force for this cache (resolved by the service). */
  invalidation: InvalidationMode
  /** The service's bus, when `invalidation` is `bus`. */
  bus: InvalidationBus | undefined
}
