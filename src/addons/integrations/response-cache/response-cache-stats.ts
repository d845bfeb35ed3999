import type { BypassReason, NotStoredReason } from './cacheability.js'

/** Why the response of a miss was not stored: a rule, or the store refusing it. */
export type NotStoredStatReason = NotStoredReason | 'store-failed'

/** Counters of one integration's response caching, for tests, logs, health pages and metrics. */
export interface ResponseCacheStats {
  /** Requests served from the cache (including those answered 304). */
  hits: number
  /** Hits answered `304 Not Modified` to a conditional request. */
  notModified: number
  /** Requests served with the response of a concurrent request for the same key (one handler run for all). */
  sharedHits: number
  /** Requests whose handler ran. */
  misses: number
  /** Requests the cache does not take part in (`X-Cache: BYPASS`); see `bypassReasons`. */
  bypassed: number
  /** `bypassed` by reason: `method`, `range`, `authorization`, `cookie`. */
  bypassReasons: Partial<Record<BypassReason, number>>
  /** Responses stored. */
  stored: number
  /** Responses of misses that were not stored; see `notStoredReasons`. */
  notStored: number
  /** `notStored` by reason: `no-store`, `private`, `set-cookie`, `vary`, `expired`, `too-large`, ... */
  notStoredReasons: Partial<Record<NotStoredStatReason, number>>
  /** Calls of purge. */
  purges: number
  /** Requests now waiting for a concurrent request's response. */
  waiting: number
}

/** The counters behind {@link ResponseCacheStats}. */
export class ResponseCacheCounters {
  hits = 0
  notModified = 0
  sharedHits = 0
  misses = 0
  stored = 0
  purges = 0
  waiting = 0
  readonly #bypassReasons: Partial<Record<BypassReason, number>> = {}
  readonly #notStoredReasons: Partial<Record<NotStoredStatReason, number>> = {}

  bypassed(reason: BypassReason): void {
    this.#bypassReasons[reason] = (this.#bypassReasons[reason] ?? 0) + 1
  }

  notStored(reason: NotStoredStatReason): void {
    this.#notStoredReasons[reason] = (this.#notStoredReasons[reason] ?? 0) + 1
  }

  /** A snapshot. */
  snapshot(): ResponseCacheStats {
    return {
      hits: this.hits,
      notModified: this.notModified,
      sharedHits: this.sharedHits,
      misses: this.misses,
      bypassed: sum(this.#bypassReasons),
      bypassReasons: { ...this.#bypassReasons },
      stored: this.stored,
      notStored: sum(this.#notStoredReasons),
      notStoredReasons: { ...this.#notStoredReasons },
      purges: this.purges,
      waiting: this.waiting,
    }
  }
}

function sum(counts: Partial<Record<string, number>>): number {
  let total = 0
  for (const count of Object.values(counts)) total += count ?? 0
  return total
}
