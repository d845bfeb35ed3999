import type { L1Backend } from '../backends/l1/l1-backend.js'
import type { DecodedEntry } from '../backends/l2/entry-format.js'
import type { ResolvedCacheOptions } from '../config/options.js'
import { InflightReads } from '../invalidation/inflight-reads.js'
import type { Clock } from '../kernel/clock.js'
import { CacheConfigurationError, CacheSerializationError } from '../kernel/errors.js'
import { resolveEntryTags } from '../kernel/tags.js'
import { HIT, MISS, SET } from '../kernel/watched-emitter.js'
import type { StaleCopy } from '../loading/load-flow.js'
import type { CacheNotifier } from './cache-notifier.js'
import { decodedToL1, fromL1, NOT_IN_L1, toL1 } from './l1-values.js'
import type { L2Layer } from './l2-layer.js'
import { supportsTags } from './tag-keys.js'

/** What a cache's data path is built from. */
export interface DataPathParts {
  readonly name: string
  readonly options: ResolvedCacheOptions
  readonly l1: L1Backend | undefined
  readonly l2: L2Layer | undefined
  readonly clock: Clock
  readonly events: CacheNotifier
  /** UTF-8 length of `<l2KeyPrefix>::`. */
  readonly keyPrefixBytes: number
}

/**
 * The steps every read and write of one cache is made of, shared by the facade, the loading flows and
 * the batch calls: L1 read and write, L2 read → decode → promote, write-through, encoding and lifetimes.
 */
export class DataPath<V> {
  readonly name: string
  readonly l1: L1Backend | undefined
  readonly l2: L2Layer | undefined
  readonly events: CacheNotifier
  readonly keyPrefixBytes: number
  readonly inflight = new InflightReads()
  readonly l1Counters = { hits: 0, misses: 0 }
  readonly #options: ResolvedCacheOptions
  readonly #clock: Clock

  constructor(parts: DataPathParts) {
    this.name = parts.name
    this.l1 = parts.l1
    this.l2 = parts.l2
    this.events = parts.events
    this.keyPrefixBytes = parts.keyPrefixBytes
    this.#options = parts.options
    this.#clock = parts.clock
  }

  /** An L1 hit (counted, and announced when someone listens), or {@link NOT_IN_L1}; misses are the caller's to count. */
  readL1(key: string): V | typeof NOT_IN_L1 {
    const stored = this.l1?.get(key)
    if (stored === undefined) return NOT_IN_L1
    this.l1Counters.hits++
    if ((this.events.watched & HIT) !== 0) this.events.hit(key, 'l1')
    return fromL1<V>(stored, this.#options.l1Clone)
  }

  /** After an L1 miss: counts it, reads L2 (filling `stale` with an expired copy) and announces the lookup. */
  async lookUpPastL1(key: string, stale: StaleCopy<V> | undefined): Promise<V | undefined> {
    if (this.l1 !== undefined) this.l1Counters.misses++
    const l2 = this.l2
    if (l2 === undefined) {
      if ((this.events.watched & MISS) !== 0) this.events.notify('miss', { cache: this.name, key })
      return undefined
    }
    const found = await this.readL2(key, l2, stale)
    if (this.events.watched !== 0) this.events.lookUp(key, found)
    return found
  }

  /** L2 → decode → promote into L1, unless the key was written or invalidated while the read was out. */
  async readL2(key: string, l2: L2Layer, stale?: StaleCopy<V>): Promise<V | undefined> {
    const ticket = this.inflight.begin(key)
    try {
      const entry = await l2.read(key, stale as StaleCopy<unknown> | undefined)
      return entry === undefined ? undefined : this.promote(key, entry, ticket.invalidated)
    } finally {
      this.inflight.end(ticket)
    }
  }

  /** An L2 entry into L1 (unless `invalidated`) for min(`l1Ttl`, its remaining lifetime); the caller's value. */
  promote(key: string, entry: DecodedEntry, invalidated: boolean): V {
    const l1 = this.l1
    if (l1 !== undefined && !invalidated) {
      const remainingMs = Math.max(1, entry.expiresAtMs - this.#clock.now())
      l1.set(key, decodedToL1(entry.value, entry.tags), Math.min(this.#options.l1TtlMs, remainingMs))
      // L1 now holds the decoded object; with l1Clone the caller gets its own copy.
      if (this.#options.l1Clone) return structuredClone(entry.value) as V
    }
    return entry.value as V
  }

  /**
   * Writes L1, then L2 with a lifetime of `ttlMs` (the entry's header) plus `retainMs` (how long L2
   * keeps the expired copy for `staleIfError`), the entry carrying `tags`.
   */
  async writeThrough(
    key: string,
    value: V,
    ttlMs: number,
    retainMs: number,
    tags: readonly string[] | undefined,
  ): Promise<void> {
    const encoded = this.encode(value, ttlMs, tags)
    this.writeL1(key, value, ttlMs, tags)
    const l2Written =
      encoded !== undefined && (await (this.l2 as L2Layer).write(key, encoded, ttlMs + retainMs, tags))
    if ((this.events.watched & SET) !== 0) this.events.notify('set', { cache: this.name, key, l2Written })
  }

  writeL1(key: string, value: V, ttlMs: number, tags: readonly string[] | undefined): void {
    this.inflight.invalidate(key)
    this.l1?.set(key, toL1(value, this.#options.l1Clone, tags), Math.min(ttlMs, this.#options.l1TtlMs))
  }

  /** The L2 bytes of a value, or `undefined` for an L1-only cache; throws before anything is written. */
  encode(value: V, ttlMs: number, tags: readonly string[] | undefined): Buffer | undefined {
    if (value === undefined) {
      throw new CacheSerializationError('Cannot cache undefined; use delete() to remove a key, or cache null')
    }
    return this.l2?.encode(value, this.#clock.now() + ttlMs, tags)
  }

  /** The lifetime of a new entry: `ttlMs` or `l2Ttl`, shortened by up to `ttlJitter` of it. */
  entryTtlMs(ttlMs: number | undefined): number {
    const lifetimeMs = ttlMs ?? this.#options.l2TtlMs
    const jitter = this.#options.ttlJitter
    return jitter === 0 ? lifetimeMs : Math.max(1, Math.round(lifetimeMs * (1 - jitter * Math.random())))
  }

  /** The `tags` option of a write, checked (and that this cache's L2 can keep them). */
  tagsOf(tags: unknown, call: string): readonly string[] | undefined {
    const resolved = resolveEntryTags(tags, call)
    if (resolved !== undefined) this.assertTagsUsable(call)
    return resolved
  }

  /** Throws when this cache's L2 backend cannot keep tags. */
  assertTagsUsable(call: string): void {
    if (this.l2 !== undefined && !supportsTags(this.l2.guard.backend)) {
      throw new CacheConfigurationError(
        'tags',
        `${call}: the L2 backend '${this.l2.guard.backend.name}' cannot keep tags (it has no touchMany / replaceExisting)`,
      )
    }
  }
}
