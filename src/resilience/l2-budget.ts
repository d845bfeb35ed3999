/**
 * The time one cache operation may still spend waiting on L2, shared by its L2 calls: each call is
 * capped by what is left, and what it took is taken off. So an operation of several calls (lookup,
 * lock, polls, write) waits on a hung L2 at most `l2CommandTimeout` in all, as a single `get` does.
 */
export interface L2Budget {
  /** Ms left; 0 or less: the operation makes no further L2 call. */
  remainingMs: number
}

/** A fresh budget of `ms`. */
export function l2Budget(ms: number): L2Budget {
  return { remainingMs: ms }
}
