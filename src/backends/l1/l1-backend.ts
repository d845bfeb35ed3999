import type { Clock } from '../../kernel/clock.js'

/**
 * An in-process cache. Every call is synchronous: an L1 hit never waits on the event loop.
 * Values are never `undefined` (the cache stores its own token for `null`).
 */
export interface L1Backend {
  /** Backend name, as registered. */
  readonly name: string
  /** Entries held now (expired ones not yet purged may count). */
  readonly size: number
  /** Most entries held at once. */
  readonly maxSize: number
  /** Approximate bytes held now, when the backend is bounded by bytes (`l1MaxBytes`). */
  readonly bytes?: number
  /** The byte bound, when there is one. */
  readonly maxBytes?: number
  /** The value, or `undefined` when missing or expired. Counts as a use for LRU order. */
  get(key: string): unknown
  /** Stores a value; `ttlMs` caps its lifetime (backends without TTL ignore it). */
  set(key: string, value: unknown, ttlMs: number): void
  /** Optional: the value like `get`, without counting as a use for LRU order. */
  peek?(key: string): unknown
  /** Whether a live entry exists; does not change LRU order. */
  has(key: string): boolean
  /** Removes an entry; `true` when one was there. */
  delete(key: string): boolean
  /** Removes every entry; returns how many there were. */
  clear(): number
  /** Remaining lifetime in ms, `Infinity` for an entry without one, `undefined` when missing. */
  remainingTtlMs(key: string): number | undefined
  /** Keys of the live entries. */
  keys(): Iterable<string>
}

/** What an L1 factory is given. */
export interface L1BackendOptions {
  /** Most entries, 1 or more. */
  maxSize: number
  /** Default lifetime of an entry in ms. */
  ttlMs: number
  /**
   * Most approximate bytes held at once (see `approximateSize`), or `undefined` for a bound by entry
   * count alone. An entry larger than the bound is not kept.
   */
  maxBytes?: number
  /** Time source for expiry (`performance.now()`-like, any origin). Tests pass a fake one. */
  clock?: Clock
}

/** Creates an L1 backend. */
export type L1BackendFactory = (options: L1BackendOptions) => L1Backend
