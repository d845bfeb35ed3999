import type { L1Backend } from '../backends/l1/l1-backend.js'
import type { InvalidationMode } from '../config/options.js'
import type { ResyncReason } from '../kernel/events.js'
import type { InflightReads } from './inflight-reads.js'

/**
 * The receiving side of invalidation for one cache: drops from L1 what other instances (bus) or
 * programs (tracking) changed, and all of L1 when invalidations may have been missed. Either way the
 * reads in flight are stopped from putting the old values back.
 */
export class L1Invalidator {
  /** Invalidations received (bus messages, or tracking reports), and the L1 entries they dropped. */
  readonly counters = { messagesReceived: 0, keysInvalidated: 0 }
  /** Times L1 was dropped because invalidations may have been missed. */
  resyncs = 0
  readonly #l1: L1Backend | undefined
  readonly #inflight: InflightReads
  readonly #mode: InvalidationMode

  constructor(l1: L1Backend | undefined, inflight: InflightReads, mode: InvalidationMode) {
    this.#l1 = l1
    this.#inflight = inflight
    this.#mode = mode
  }

  /** Drops these keys (every key for `null`) from L1; returns how many L1 held. */
  apply(keys: readonly string[] | null): number {
    this.counters.messagesReceived++
    let l1ItemsDropped = 0
    if (keys === null) {
      this.#inflight.invalidateAll()
      l1ItemsDropped = this.#l1?.clear() ?? 0
    } else {
      for (const key of keys) {
        this.#inflight.invalidate(key)
        if (this.#l1?.delete(key)) l1ItemsDropped++
      }
    }
    this.counters.keysInvalidated += l1ItemsDropped
    return l1ItemsDropped
  }

  /**
   * Drops L1 (and the reads in flight) because invalidations may have been missed; returns how many
   * entries L1 held, or `undefined` when nothing was dropped (no L1, or a mode that keeps it).
   */
  resync(reason: ResyncReason): number | undefined {
    // With invalidation 'none' the application accepted up to l1Ttl of staleness; keep L1 warm.
    if (this.#mode === 'none' && reason !== 'subscriber') return undefined
    this.#inflight.invalidateAll()
    const l1 = this.#l1
    if (l1 === undefined) return undefined
    this.resyncs++
    return l1.clear()
  }
}
