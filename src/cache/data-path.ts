import type { L1Backend } from '../backends/l1/l1-backend.js'
import type { DecodedEntry } from '../backends/l2/entry-format.js'
import type { ResolvedCacheOptions } from '../config/options.js'
import { InflightReads } from '../invalidation/inflight-reads.js'
import type { Clock } from '../kernel/clock.js'
import { CacheConfigurationError, CacheSerializationError } from '../kernel/errors.js'
import { resolveEntryTags } from '../kernel/tags.js'
import { HIT, MISS, SET } from '../kernel/watched-emitter.js'
import type { EntryProbe, KeepInL1 } from '../loading/entry-probe.js'
import type { L2Budget } from '../resilience/l2-budget.js'
import type { CacheNotifier } from './cache-notifier.js'
import { decodedToL1, fromHeld, NOT_IN_L1, toL1, WrappedL1Entry } from './l1-values.js'
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

/** A plain write: nothing kept past the expiry, stored bare in L1 (unless it carries tags). */
export const PLAIN: KeepInL1 = Object.freeze({ graceMs: 0, timed: false })

/**
 * The steps every read and write of one cache is made of, shared by the facade, the loading flows and
 * the batch calls: the L1 read (which tells the fail-safe copies of `grace` from live entries), L1
 * write, L2 read → decode → promote, write-through, encoding and lifetimes. The facade strings them
 * together; nothing here decides what an operation means.
 */
export class DataPath<V> {
  readonly name: string
  readonly l1: L1Backend | undefined
  readonly l2: L2Layer | undefined
  readonly events: CacheNotifier
  readonly keyPrefixBytes: number
  readonly inflight = new InflightReads()
  readonly l1Counters = { hits: 0, misses: 0 }
  readonly options: ResolvedCacheOptions
  readonly #clock: Clock

  constructor(parts: DataPathParts) {
    this.name = parts.name
    this.l1 = parts.l1
    this.l2 = parts.l2
    this.events = parts.events
    this.keyPrefixBytes = parts.keyPrefixBytes
    this.options = parts.options
    this.#clock = parts.clock
  }

  /** An L1 hit (counted, and announced when someone listens), or {@link NOT_IN_L1}; misses are the caller's to count. */
  readL1(key: string): V | typeof NOT_IN_L1 {
    let held = this.l1?.get(key)
    if (held === undefined) return NOT_IN_L1
    if (held instanceof WrappedL1Entry) {
      if (held.timed && this.#clock.now() >= held.freshUntilMs) return NOT_IN_L1
      held = held.held
    }
    this.l1Counters.hits++
    if ((this.events.watched & HIT) !== 0) this.events.hit(key, 'l1')
    return fromHeld<V>(held, this.options.l1Clone)
  }

  /**
   * {@link readL1} for the loading flow: a hit fills in the entry's expiry when L1 knows it; a copy
   * past its L1 lifetime (kept by `grace`) is a miss that fills in the fail-safe copy.
   */
  readL1Probed(key: string, probe: EntryProbe<V>): V | undefined {
    const held = this.l1?.get(key)
    if (held === undefined) return undefined
    if (!(held instanceof WrappedL1Entry)) return this.#hitL1(key, held)
    if (!held.timed) return this.#hitL1(key, held.held)
    const now = this.#clock.now()
    if (now < held.freshUntilMs) {
      probe.expiresAtMs = held.expiresAtMs
      return this.#hitL1(key, held.held)
    }
    probe.value = fromHeld<V>(held.held, this.options.l1Clone)
    probe.expiredForMs = Math.max(0, now - held.expiresAtMs)
    return undefined
  }

  /** After an L1 miss: counts it, reads L2 and announces the lookup. */
  async lookUpPastL1(
    key: string,
    probe?: EntryProbe<V>,
    budget?: L2Budget,
    keep?: KeepInL1,
  ): Promise<V | undefined> {
    if (this.l1 !== undefined) this.l1Counters.misses++
    const l2 = this.l2
    if (l2 === undefined) {
      if ((this.events.watched & MISS) !== 0) this.events.notify('miss', { cache: this.name, key })
      return undefined
    }
    const found = await this.readL2(key, l2, probe, budget, keep)
    if (this.events.watched !== 0) this.events.lookUp(key, found)
    return found
  }

  /**
   * L2 → decode → promote into L1, unless the key was written or invalidated while the read was out.
   * `keep` says how (else as the L1 copy it replaces was kept); `probe` gets the entry's expiry, or
   * the expired copy L2 still holds.
   */
  async readL2(
    key: string,
    l2: L2Layer,
    probe?: EntryProbe<V>,
    budget?: L2Budget,
    keep?: KeepInL1,
  ): Promise<V | undefined> {
    const ticket = this.inflight.begin(key)
    try {
      const entry = await l2.read(key, probe as EntryProbe<unknown> | undefined, budget)
      if (entry === undefined) return undefined
      if (probe !== undefined) probe.expiresAtMs = entry.expiresAtMs
      return this.promote(key, entry, ticket.invalidated, keep)
    } finally {
      this.inflight.end(ticket)
    }
  }

  /**
   * An L2 entry into L1 (unless `invalidated`) for min(`l1Ttl`, its remaining lifetime), kept as `keep`
   * says (else as the L1 copy it replaces was kept), with its tags; the caller's value.
   */
  promote(key: string, entry: DecodedEntry, invalidated: boolean, keep?: KeepInL1): V {
    const l1 = this.l1
    if (l1 !== undefined && !invalidated) {
      const kept = keep ?? this.#keptAs(l1, key)
      this.#storeL1(l1, key, decodedToL1(entry.value), entry.expiresAtMs, kept, entry.tags)
      // L1 now holds the decoded object; with l1Clone the caller gets its own copy.
      if (this.options.l1Clone) return structuredClone(entry.value) as V
    }
    return entry.value as V
  }

  /**
   * Writes L1, then L2 (within `budget`) with a lifetime of `ttlMs` (the entry's header) plus
   * `keep.graceMs` (how long both levels keep the expired copy as a fail-safe), carrying `tags`.
   */
  async writeThrough(
    key: string,
    value: V,
    ttlMs: number,
    keep: KeepInL1 = PLAIN,
    budget?: L2Budget,
    tags?: readonly string[],
  ): Promise<void> {
    const encoded = this.encode(value, ttlMs, tags)
    this.writeL1(key, value, ttlMs, keep, tags)
    const l2Written =
      encoded !== undefined &&
      (await (this.l2 as L2Layer).write(key, encoded, ttlMs + keep.graceMs, budget, tags))
    if ((this.events.watched & SET) !== 0) this.events.notify('set', { cache: this.name, key, l2Written })
  }

  /** Stores a value the caller gave in L1 (as `keep` says, with `tags`), and marks the reads and loads of `key` in flight. */
  writeL1(key: string, value: V, ttlMs: number, keep: KeepInL1 = PLAIN, tags?: readonly string[]): void {
    this.inflight.invalidate(key)
    const l1 = this.l1
    if (l1 === undefined) return
    this.#storeL1(l1, key, toL1(value, this.options.l1Clone), this.#clock.now() + ttlMs, keep, tags)
  }

  /** The L2 bytes of a value, or `undefined` for an L1-only cache; throws before anything is written. */
  encode(value: V, ttlMs: number, tags?: readonly string[]): Buffer | undefined {
    if (value === undefined) {
      throw new CacheSerializationError('Cannot cache undefined; use delete() to remove a key, or cache null')
    }
    return this.l2?.encode(value, this.#clock.now() + ttlMs, tags)
  }

  /** The lifetime of a new entry: `ttlMs` or `l2Ttl`, shortened by up to `ttlJitter` of it. */
  entryTtlMs(ttlMs: number | undefined): number {
    const lifetimeMs = ttlMs ?? this.options.l2TtlMs
    const jitter = this.options.ttlJitter
    return jitter === 0 ? lifetimeMs : Math.max(1, Math.round(lifetimeMs * (1 - jitter * Math.random())))
  }

  /** Whether L1 holds a live copy (not an expired one kept by `grace`); not a use for LRU order. */
  l1HasLive(key: string): boolean {
    return this.l1RemainingMs(key) !== undefined
  }

  /** The remaining L1 lifetime of a live copy, ms (`Infinity` for none), or `undefined`. */
  l1RemainingMs(key: string): number | undefined {
    const l1 = this.l1
    if (l1 === undefined) return undefined
    const held = peekL1(l1, key)
    if (!(held instanceof WrappedL1Entry) || !held.timed)
      return held === undefined ? undefined : l1.remainingTtlMs(key)
    const remainingMs = held.freshUntilMs - this.#clock.now()
    return remainingMs > 0 ? remainingMs : undefined
  }

  /** The keys of L1's live copies. */
  *l1LiveKeys(): Iterable<string> {
    const l1 = this.l1
    if (l1 === undefined) return
    const now = this.#clock.now()
    for (const key of l1.keys()) {
      const held = peekL1(l1, key)
      if (!(held instanceof WrappedL1Entry) || now < held.freshUntilMs) yield key
    }
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

  #hitL1(key: string, held: unknown): V {
    this.l1Counters.hits++
    if ((this.events.watched & HIT) !== 0) this.events.hit(key, 'l1')
    return fromHeld<V>(held, this.options.l1Clone)
  }

  /**
   * Stores in L1 what expires at `expiresAtMs` for min(`l1Ttl`, its lifetime): bare, or wrapped with
   * its `tags`; or, `timed`, wrapped with its expiry (and tags), kept `graceMs` past it.
   */
  #storeL1(
    l1: L1Backend,
    key: string,
    held: unknown,
    expiresAtMs: number,
    keep: KeepInL1,
    tags: readonly string[] | undefined,
  ): void {
    const now = this.#clock.now()
    const remainingMs = Math.max(1, expiresAtMs - now)
    const liveMs = Math.min(this.options.l1TtlMs, remainingMs)
    if (!keep.timed) {
      const infinity = Number.POSITIVE_INFINITY
      const stored =
        tags === undefined ? held : new WrappedL1Entry(held, expiresAtMs, infinity, 0, false, tags)
      l1.set(key, stored, liveMs)
      return
    }
    const entry = new WrappedL1Entry(held, expiresAtMs, now + liveMs, keep.graceMs, true, tags)
    l1.set(key, entry, keep.graceMs > 0 ? remainingMs + keep.graceMs : liveMs)
  }

  /** How the L1 copy of `key` was kept, so that a promotion by `get` does not drop its fail-safe copy. */
  #keptAs(l1: L1Backend, key: string): KeepInL1 {
    const held = peekL1(l1, key)
    return held instanceof WrappedL1Entry && held.timed ? { graceMs: held.graceMs, timed: true } : PLAIN
  }
}

function peekL1(l1: L1Backend, key: string): unknown {
  return l1.peek === undefined ? l1.get(key) : l1.peek(key)
}
