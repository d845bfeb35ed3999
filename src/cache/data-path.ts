import type { L1Backend } from '../backends/l1/l1-backend.js'
import type { ResolvedCacheOptions } from '../config/options.js'
import type { InflightReads } from '../invalidation/inflight-reads.js'
import type { Clock } from '../kernel/clock.js'
import { CacheSerializationError } from '../kernel/errors.js'
import { HIT, MISS, SET } from '../kernel/watched-emitter.js'
import type { EntryProbe, KeepInL1 } from '../loading/entry-probe.js'
import type { L2Budget } from '../resilience/l2-budget.js'
import type { CacheNotifier } from './cache-notifier.js'
import { decodedToL1, fromL1, NOT_IN_L1, TimedL1Entry, toL1 } from './l1-values.js'
import type { L2Layer } from './l2-layer.js'

/** What a cache's data path is built from. */
export interface DataPathParts {
  name: string
  options: ResolvedCacheOptions
  l1: L1Backend | undefined
  l2: L2Layer | undefined
  clock: Clock
  inflight: InflightReads
  events: CacheNotifier
}

/** A plain write: nothing kept past the expiry, stored bare in L1. */
const PLAIN: KeepInL1 = Object.freeze({ graceMs: 0, timed: false })

/**
 * The steps of one cache's reads and writes that the facade and the loading flow share: the L1 read
 * (which knows the fail-safe copies of `grace` from live entries), L2 → decode → promote, and the
 * write-through. The facade strings them together; nothing here decides what an operation means.
 */
export class CacheDataPath<V> {
  readonly l1Counters = { hits: 0, misses: 0 }
  readonly #name: string
  readonly #options: ResolvedCacheOptions
  readonly #l1: L1Backend | undefined
  readonly #l2: L2Layer | undefined
  readonly #clock: Clock
  readonly #inflight: InflightReads
  readonly #events: CacheNotifier

  constructor(parts: DataPathParts) {
    this.#name = parts.name
    this.#options = parts.options
    this.#l1 = parts.l1
    this.#l2 = parts.l2
    this.#clock = parts.clock
    this.#inflight = parts.inflight
    this.#events = parts.events
  }

  /** An L1 hit (counted, and announced when someone listens), or {@link NOT_IN_L1}; misses are the caller's to count. */
  readL1(key: string): V | typeof NOT_IN_L1 {
    let held = this.#l1?.get(key)
    if (held === undefined) return NOT_IN_L1
    if (held instanceof TimedL1Entry) {
      if (this.#clock.now() >= held.freshUntilMs) return NOT_IN_L1
      held = held.held
    }
    this.l1Counters.hits++
    if ((this.#events.watched & HIT) !== 0) this.#events.hit(key, 'l1')
    return fromL1<V>(held, this.#options.l1Clone)
  }

  /**
   * {@link readL1} for the loading flow: a hit fills in the entry's expiry when L1 knows it; a copy
   * past its L1 lifetime (kept by `grace`) is a miss that fills in the fail-safe copy.
   */
  readL1Probed(key: string, probe: EntryProbe<V>): V | undefined {
    const held = this.#l1?.get(key)
    if (held === undefined) return undefined
    if (!(held instanceof TimedL1Entry)) return this.#hitL1(key, held)
    const now = this.#clock.now()
    if (now < held.freshUntilMs) {
      probe.expiresAtMs = held.expiresAtMs
      return this.#hitL1(key, held.held)
    }
    probe.value = fromL1<V>(held.held, this.#options.l1Clone)
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
    if (this.#l1 !== undefined) this.l1Counters.misses++
    const l2 = this.#l2
    if (l2 === undefined) {
      if ((this.#events.watched & MISS) !== 0) this.#events.notify('miss', { cache: this.#name, key })
      return undefined
    }
    const found = await this.readL2(key, l2, probe, budget, keep)
    if (this.#events.watched !== 0) this.#events.lookUp(key, found)
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
    const ticket = this.#inflight.begin(key)
    try {
      const entry = await l2.read(key, probe as EntryProbe<unknown> | undefined, budget)
      if (entry === undefined) return undefined
      if (probe !== undefined) probe.expiresAtMs = entry.expiresAtMs
      const l1 = this.#l1
      if (l1 !== undefined && !ticket.invalidated) {
        this.#storeL1(l1, key, decodedToL1(entry.value), entry.expiresAtMs, keep ?? this.#keptAs(l1, key))
        // L1 now holds the decoded object; with l1Clone the caller gets its own copy.
        if (this.#options.l1Clone) return structuredClone(entry.value) as V
      }
      return entry.value as V
    } finally {
      this.#inflight.end(ticket)
    }
  }

  /**
   * Writes L1, then L2 (within `budget`) with a lifetime of `ttlMs` (the entry's header) plus
   * `keep.graceMs` (how long both levels keep the expired copy as a fail-safe).
   */
  async writeThrough(key: string, value: V, ttlMs: number, keep = PLAIN, budget?: L2Budget): Promise<void> {
    const encoded = this.encode(value, ttlMs)
    this.writeL1(key, value, ttlMs, keep)
    const l2Written =
      encoded !== undefined && (await (this.#l2 as L2Layer).write(key, encoded, ttlMs + keep.graceMs, budget))
    if ((this.#events.watched & SET) !== 0) this.#events.notify('set', { cache: this.#name, key, l2Written })
  }

  /** Stores a value the caller gave in L1 (as `keep` says), and marks the reads and loads of `key` in flight. */
  writeL1(key: string, value: V, ttlMs: number, keep = PLAIN): void {
    this.#inflight.invalidate(key)
    const l1 = this.#l1
    if (l1 === undefined) return
    this.#storeL1(l1, key, toL1(value, this.#options.l1Clone), this.#clock.now() + ttlMs, keep)
  }

  /** The L2 bytes of a value, or `undefined` for an L1-only cache; throws before anything is written. */
  encode(value: V, ttlMs: number): Buffer | undefined {
    if (value === undefined) {
      throw new CacheSerializationError('Cannot cache undefined; use delete() to remove a key, or cache null')
    }
    return this.#l2?.encode(value, this.#clock.now() + ttlMs)
  }

  /** The lifetime of a new entry: `ttlMs` or `l2Ttl`, shortened by up to `ttlJitter` of it. */
  entryTtlMs(ttlMs: number | undefined): number {
    const lifetimeMs = ttlMs ?? this.#options.l2TtlMs
    const jitter = this.#options.ttlJitter
    return jitter === 0 ? lifetimeMs : Math.max(1, Math.round(lifetimeMs * (1 - jitter * Math.random())))
  }

  /** Whether L1 holds a live copy (not an expired one kept by `grace`); not a use for LRU order. */
  l1HasLive(key: string): boolean {
    return this.l1RemainingMs(key) !== undefined
  }

  /** The remaining L1 lifetime of a live copy, ms (`Infinity` for none), or `undefined`. */
  l1RemainingMs(key: string): number | undefined {
    const l1 = this.#l1
    if (l1 === undefined) return undefined
    const held = this.#peekL1(l1, key)
    if (!(held instanceof TimedL1Entry)) return held === undefined ? undefined : l1.remainingTtlMs(key)
    const remainingMs = held.freshUntilMs - this.#clock.now()
    return remainingMs > 0 ? remainingMs : undefined
  }

  /** The keys of L1's live copies. */
  *l1LiveKeys(): Iterable<string> {
    const l1 = this.#l1
    if (l1 === undefined) return
    const now = this.#clock.now()
    for (const key of l1.keys()) {
      const held = this.#peekL1(l1, key)
      if (!(held instanceof TimedL1Entry) || now < held.freshUntilMs) yield key
    }
  }

  #hitL1(key: string, held: unknown): V {
    this.l1Counters.hits++
    if ((this.#events.watched & HIT) !== 0) this.#events.hit(key, 'l1')
    return fromL1<V>(held, this.#options.l1Clone)
  }

  /**
   * Stores in L1 what expires at `expiresAtMs`: bare for min(`l1Ttl`, its lifetime), or, `timed`,
   * with its expiry, kept `graceMs` past it.
   */
  #storeL1(l1: L1Backend, key: string, held: unknown, expiresAtMs: number, keep: KeepInL1): void {
    const now = this.#clock.now()
    const remainingMs = Math.max(1, expiresAtMs - now)
    const liveMs = Math.min(this.#options.l1TtlMs, remainingMs)
    if (!keep.timed) {
      l1.set(key, held, liveMs)
      return
    }
    const entry = new TimedL1Entry(held, expiresAtMs, now + liveMs, keep.graceMs)
    l1.set(key, entry, keep.graceMs > 0 ? remainingMs + keep.graceMs : liveMs)
  }

  /** How the L1 copy of `key` was kept, so that a promotion by `get` does not drop its fail-safe copy. */
  #keptAs(l1: L1Backend, key: string): KeepInL1 {
    const held = this.#peekL1(l1, key)
    return held instanceof TimedL1Entry ? { graceMs: held.graceMs, timed: true } : PLAIN
  }

  #peekL1(l1: L1Backend, key: string): unknown {
    return l1.peek === undefined ? l1.get(key) : l1.peek(key)
  }
}
