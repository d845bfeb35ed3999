import { LRUCache } from 'lru-cache'
import { systemClock } from '../../kernel/clock.js'
import { approximateSize } from './approximate-size.js'
import type { L1Backend, L1BackendOptions } from './l1-backend.js'
import { PREALLOCATED_L1_MAX_SIZE } from './l1-size-limits.js'

/** Every entry counts as one toward `maxSize`: the bound stays a number of entries. */
const countsAsOne = (): number => 1

/**
 * The lru-cache bounds of an L1: its entry count and, with `maxBytes`, its approximate bytes. lru-cache
 * has one size measure besides `max`; when the count bound cannot be a preallocated `max`, an entry is
 * charged at least its share of the byte bound (`maxBytes / maxSize`), so the one measure keeps both
 * bounds. Sizes are computed once per set, never on a hit.
 */
function lruBounds(options: L1BackendOptions): LRUCache.Options<string, object, unknown> {
  const { maxSize, maxBytes } = options
  const preallocated = maxSize <= PREALLOCATED_L1_MAX_SIZE
  if (maxBytes === undefined) {
    return preallocated ? { max: maxSize } : { maxSize, sizeCalculation: countsAsOne }
  }
  if (preallocated) {
    return {
      max: maxSize,
      maxSize: maxBytes,
      sizeCalculation: (value) => Math.max(1, approximateSize(value)),
    }
  }
  const share = Math.max(1, Math.ceil(maxBytes / maxSize))
  return { maxSize: maxBytes, sizeCalculation: (value) => Math.max(share, approximateSize(value)) }
}

/**
 * L1 on isaacs' lru-cache. With `expires` it is the `ttl` backend (LRU eviction plus a lifetime per
 * entry); without, the `lru` backend (LRU eviction only, entries live until evicted or deleted).
 */
class LruCacheBackend implements L1Backend {
  readonly name: string
  readonly maxSize: number
  readonly maxBytes: number | undefined
  readonly #entries: LRUCache<string, object>
  readonly #expires: boolean

  constructor(name: string, options: L1BackendOptions, expires: boolean) {
    this.name = name
    this.maxSize = options.maxSize
    this.maxBytes = options.maxBytes
    this.#expires = expires
    // With the real clock, lru-cache reads the time at most once per millisecond (its default
    // ttlResolution), which keeps a clock call off the L1 hit path; an injected clock (tests) is
    // read on every check, so that moving it takes effect at once.
    const injectedClock = options.clock !== undefined && options.clock !== systemClock
    this.#entries = new LRUCache<string, object>({
      ...lruBounds(options),
      ...(expires ? { ttl: options.ttlMs, ttlResolution: injectedClock ? 0 : 1 } : {}),
      ...(expires && injectedClock ? { perf: options.clock } : {}),
    })
  }

  get size(): number {
    return this.#entries.size
  }

  get bytes(): number | undefined {
    return this.maxBytes === undefined ? undefined : this.#entries.calculatedSize
  }

  get(key: string): unknown {
    return this.#entries.get(key)
  }

  peek(key: string): unknown {
    return this.#entries.peek(key)
  }

  set(key: string, value: unknown, ttlMs: number): void {
    if (this.#expires) this.#entries.set(key, value as object, { ttl: ttlMs })
    else this.#entries.set(key, value as object)
  }

  has(key: string): boolean {
    return this.#entries.has(key)
  }

  delete(key: string): boolean {
    return this.#entries.delete(key)
  }

  clear(): number {
    const removed = this.#entries.size
    this.#entries.clear()
    return removed
  }

  remainingTtlMs(key: string): number | undefined {
    if (!this.#entries.has(key)) return undefined
    return this.#expires ? this.#entries.getRemainingTTL(key) : Number.POSITIVE_INFINITY
  }

  keys(): Iterable<string> {
    return this.#entries.keys()
  }
}

/** The `ttl` L1 backend: LRU eviction and a lifetime per entry. */
export const ttlL1Backend = (options: L1BackendOptions): L1Backend =>
  new LruCacheBackend('ttl', options, true)

/** The `lru` L1 backend: LRU eviction only; `l1Ttl` and entry lifetimes are ignored. */
export const lruL1Backend = (options: L1BackendOptions): L1Backend =>
  new LruCacheBackend('lru', options, false)
