/** What `getOrSet` / `wrap` counted, for `stats.loading`. */
export interface LoadingCounters {
  /** Loader calls made (one per flight, eager refreshes included). */
  loads: number
  /** Loader calls that threw, rejected or timed out (`hardTimeout`). */
  loadErrors: number
  /** Times an expired copy kept by `grace` was served (loader error, backoff, soft or hard timeout). */
  staleServed: number
  /** Background reloads started by `eagerRefresh`. */
  eagerRefreshes: number
  /** Loads slower than `softTimeout` whose callers got the expired copy. */
  softTimeouts: number
  /** Loads slower than `hardTimeout`: callers got the expired copy or a `CacheLoaderTimeoutError`. */
  hardTimeouts: number
  /** Distributed locks won, and waits for another instance's value (with how many ended in time). */
  locksAcquired: number
  lockWaits: number
  lockWaitsTimedOut: number
}

/** Counters at zero. */
export function newLoadingCounters(): LoadingCounters {
  return {
    loads: 0,
    loadErrors: 0,
    staleServed: 0,
    eagerRefreshes: 0,
    softTimeouts: 0,
    hardTimeouts: 0,
    locksAcquired: 0,
    lockWaits: 0,
    lockWaitsTimedOut: 0,
  }
}
