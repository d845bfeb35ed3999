import type { CircuitState } from './resilience/circuit-breaker.js'
import type { ResyncReason } from './resilience/l2-guard.js'

/** Payload of the `breaker:open`, `breaker:half_open` and `breaker:close` events. */
export interface BreakerEvent {
  /** `'service'` for the shared breaker, else the name of the cache that has its own. */
  breaker: string
  state: CircuitState
  previous: CircuitState
}

/** Payload of the `repair` event: a cache's journal was replayed into L2 after an outage. */
export interface RepairEvent {
  cache: string
  /** Keys invalidated (`UNLINK`ed) in L2. */
  keys: number
  /** Whether the cache's whole prefix was cleared (a `clear()` during the outage, or a journal overflow). */
  prefixCleared: boolean
  durationMs: number
}

/** Payload of the `resync` event: a cache dropped its L1 because it may have missed invalidations. */
export interface ResyncEvent {
  cache: string
  /** `breaker`: after an outage; `reconnect`: the connection was lost and made again. */
  reason: ResyncReason
  l1ItemsDropped: number
}

/** Events of a `CacheService`, with their payloads. */
export interface CacheServiceEvents {
  'breaker:open': [BreakerEvent]
  'breaker:half_open': [BreakerEvent]
  'breaker:close': [BreakerEvent]
  repair: [RepairEvent]
  resync: [ResyncEvent]
}

/** How a cache reports its lifecycle events to its service. Never throws. */
export type CacheEventSink = <E extends 'repair' | 'resync'>(
  event: E,
  ...payload: CacheServiceEvents[E]
) => void
