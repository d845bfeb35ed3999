import type { Duration } from '../config/options.js'

/** Per-call options of `set`, `setMany` and `setIfNotExist`. */
export interface SetOptions {
  /** Lifetime of this entry in L2 (L1 keeps it at most `l1Ttl`). @default the cache's `l2Ttl` */
  ttl?: Duration
  /**
   * Tags of the entry (`set`, `setMany`; `setIfNotExist` ignores them): `deleteByTag` of any of them
   * makes it a miss on every instance. At most 255 tags of 1 to 512 bytes. @default none
   */
  tags?: readonly string[]
}

/** Options of `getOrSetMany`: the lifetime and tags of the entries it loads. */
export interface GetOrSetManyOptions {
  /** Lifetime of each loaded entry in L2. @default the cache's `l2Ttl` */
  ttl?: Duration
  /** Tags of each loaded entry. @default none */
  tags?: readonly string[]
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
