import type { ReadTicket } from '../invalidation/inflight-reads.js'
import type { Clock } from '../kernel/clock.js'
import type { Logger } from '../kernel/logger.js'
import type { LoadTarget } from '../loading/load-target.js'
import type { DataPath } from './data-path.js'
import { NOT_IN_L1 } from './l1-values.js'
import type { L2Layer } from './l2-layer.js'

/** What the loading flow needs of a cache besides its data path. */
export interface LoadTargetParts {
  /** `<l2KeyPrefix>::`. */
  readonly keyPrefix: string
  readonly logger: Logger
  readonly clock: Clock
}

/** The loading flow's view of a cache: its data path's lookups and write, and the loads it tracks. */
export function loadTargetOf<V>(path: DataPath<V>, parts: LoadTargetParts): LoadTarget<V> {
  const l2 = path.l2
  const options = path.options
  return {
    name: path.name,
    keyPrefix: parts.keyPrefix,
    l2,
    logger: parts.logger,
    clock: parts.clock,
    events: path.events,
    defaultTtlMs: options.l2TtlMs,
    readL1: (key, probe) => {
      if (probe !== undefined) return path.readL1Probed(key, probe)
      const inL1 = path.readL1(key)
      return inL1 === NOT_IN_L1 ? undefined : inL1
    },
    lookUpPastL1: (key, probe, budget, keep) => path.lookUpPastL1(key, probe, budget, keep),
    readL2: (key, probe, budget, keep) => path.readL2(key, l2 as L2Layer, probe, budget, keep),
    writeThrough: (key, value, ttlMs, keep, budget, tags) =>
      path.writeThrough(key, value, ttlMs, keep, budget, tags),
    entryTtlMs: (ttlMs) => path.entryTtlMs(ttlMs),
    beginLoad: (key) => path.inflight.begin(key),
    endLoad: (ticket) => path.inflight.end(ticket as ReadTicket),
  }
}
