import type { Duration } from '../config/options.js'

/** Per-call options of `set` and `setIfNotExist`. */
export interface SetOptions {
  /** Lifetime of this entry in L2 (L1 keeps it at most `l1Ttl`). @default the cache's `l2Ttl` */
  ttl?: Duration
}

/** Options of `listKeys`. */
export interface ListKeysOptions {
  /** Most keys returned. @default unlimited */
  limit?: number
}

/** What `clear()` removed. */
export interface ClearResult {
  l1ItemsRemoved: number
  l2ItemsRemoved: number
  /** False when L2 could not be cleared now; the clear is then repaired when L2 returns. */
  l2Cleared: boolean
  /** When the clear finished, epoch milliseconds. */
  timestamp: number
}
