import type { Clock } from '../kernel/clock.js'
import type { CacheEvents } from '../kernel/events.js'
import type { Logger } from '../kernel/logger.js'
import type { L2Budget } from '../resilience/l2-budget.js'
import type { L2Caller, L2Guard } from '../resilience/l2-guard.js'
import type { EntryProbe, KeepInL1 } from './entry-probe.js'

/** How the loading flow emits its events; `watched` is a mask of the watched-event bits. */
export interface LoadNotifier {
  readonly watched: number
  notify<E extends 'load' | 'load:error' | 'stale'>(event: E, ...payload: CacheEvents[E]): void
}

/** A load in flight, as the cache tracks it: `invalidated` turns true when its key is written, deleted or invalidated. */
export interface LoadTicket {
  readonly invalidated: boolean
}

/** What the loading flow needs of its cache: the lookups and the write it builds on. */
export interface LoadTarget<V> {
  readonly name: string
  /** `<l2KeyPrefix>::`, what every L2 key of the cache starts with. */
  readonly keyPrefix: string
  /** The door to L2 and how the cache presents itself there; `undefined` for an L1-only cache. */
  readonly l2: { readonly guard: L2Guard; readonly caller: L2Caller } | undefined
  readonly logger: Logger
  /** The cache's clock: entry expiry is compared with it. */
  readonly clock: Clock
  readonly events: LoadNotifier
  /** The cache's `l2Ttl`, ms: the lifetime `eagerRefresh` is a fraction of when a call gives no `ttl`. */
  readonly defaultTtlMs: number
  /**
   * An L1 hit (counted, announced), or `undefined`. With a `probe`, fills in the entry's expiry and,
   * on a miss, the fail-safe copy L1 still holds.
   */
  readL1(key: string, probe: EntryProbe<V> | undefined): V | undefined
  /**
   * After an L1 miss: counts it, reads L2 within `budget` (filling `probe` with the expiry of a live
   * entry, or with an expired copy), promotes a hit into L1 as `keep` says, announces the lookup.
   */
  lookUpPastL1(
    key: string,
    probe: EntryProbe<V>,
    budget: L2Budget | undefined,
    keep: KeepInL1,
  ): Promise<V | undefined>
  /** A plain L2 read (L2 must be enabled), promoted into L1 as `keep` says; fills `probe` likewise. */
  readL2(
    key: string,
    probe: EntryProbe<V>,
    budget: L2Budget | undefined,
    keep: KeepInL1,
  ): Promise<V | undefined>
  /**
   * Writes L1 then L2 (within `budget`): the entry expires after `ttlMs`, and both levels keep it
   * `keep.graceMs` longer as a fail-safe copy. Throws before writing for a value that cannot be cached.
   */
  writeThrough(
    key: string,
    value: V,
    ttlMs: number,
    keep: KeepInL1,
    budget: L2Budget | undefined,
  ): Promise<void>
  /** The lifetime of a new entry: `ttlMs`, or the cache's `l2Ttl`, with the cache's jitter. */
  entryTtlMs(ttlMs: number | undefined): number
  /** Starts tracking a load of `key`, so that a change of the key meanwhile marks it. */
  beginLoad(key: string): LoadTicket
  /** Stops tracking a load; called once per ticket. */
  endLoad(ticket: LoadTicket): void
}
