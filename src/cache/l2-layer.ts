import type { DecodedEntry, EntryCodec } from '../backends/l2/entry-format.js'
import { entryExpiresAtMs } from '../backends/l2/entry-format.js'
import type { L2Backend, L2Write } from '../backends/l2/l2-backend.js'
import { serverRefusalCode } from '../backends/l2/server-refusal.js'
import { announceOnBus, type L2Runner } from '../invalidation/announce.js'
import type { InvalidationBus } from '../invalidation/invalidation-bus.js'
import { InvalidationPublisher } from '../invalidation/invalidation-publisher.js'
import { attemptPublish } from '../invalidation/publish-attempt.js'
import type { Clock } from '../kernel/clock.js'
import { CacheError } from '../kernel/errors.js'
import type { Logger } from '../kernel/logger.js'
import type { EntryProbe } from '../loading/entry-probe.js'
import { type L2Budget, l2Budget } from '../resilience/l2-budget.js'
import { L2_FAILED, type L2Caller, type L2Executor, type L2Guard } from '../resilience/l2-guard.js'
import { RepairJournal } from '../resilience/repair-journal.js'
import { type RepairOutcome, replayRepairs } from '../resilience/repair-replay.js'
import { expiryOf, readHeader, removeExpiredCopy } from './entry-expiry.js'
import { fetchEntries, isServable, storeEntries } from './fetch-entries.js'
import { collectL2Keys, throwingExecutor, unlinkPrefix } from './prefix-keys.js'
import { markTags, tagsStillValid } from './tag-keys.js'
import { discardUndecodable, type UndecodableSink } from './undecodable-entry.js'

/** One entry of {@link L2Layer.writeMany}: `l2TtlMs` is how long L2 keeps it. */
export type EncodedWrite = { readonly key: string; readonly encoded: Buffer; readonly l2TtlMs: number }

/** What a cache's L2 layer is built from. */
export interface L2LayerParts {
  /** The cache's name, in logs and on the bus. */
  name: string
  /** `<l2KeyPrefix>::`, what every L2 key of the cache starts with. */
  keyPrefix: string
  guard: L2Guard
  codec: EntryCodec
  clock: Clock
  logger: Logger
  repairJournalMaxEntries: number
  /** The service's bus, when this cache announces its changes on it. */
  bus: InvalidationBus | undefined
  /** Reports a failed L2 call (an error or a timeout) or an undecodable entry, for `l2:error` events. */
  onError(operation: string, kind: 'error' | 'timeout' | 'decode', error: unknown): void
}

/** What a cache counts of its L2 calls, all zero: also what `getStats()` shows for a cache without L2. */
export function newL2Counters() {
  return { hits: 0, misses: 0, errors: 0, timeouts: 0, corruptEntries: 0, unsupportedEntries: 0 }
}

/**
 * One cache's side of L2: every call through the guard (timeout, circuit breaker), the repair journal
 * that remembers what did not reach L2, and the announcements of what did. Nothing here rejects for L2
 * trouble: a failed read is a miss, a failed write is journaled and repaired when L2 returns.
 */
export class L2Layer {
  readonly guard: L2Guard
  readonly counters = newL2Counters()
  readonly journal: RepairJournal
  readonly publisher: InvalidationPublisher | undefined
  readonly #parts: L2LayerParts
  readonly #caller: L2Caller
  readonly #undecodable: UndecodableSink
  #repairs = 0
  /** `deleteByTag`s that reached L2 from here (right away, or replayed after an outage). */
  tagInvalidations = 0

  constructor(parts: L2LayerParts) {
    this.#parts = parts
    this.guard = parts.guard
    this.journal = new RepairJournal(parts.repairJournalMaxEntries)
    this.#caller = {
      name: parts.name,
      counters: this.counters,
      onFailure: (operation, error, timedOut) =>
        parts.onError(operation, timedOut ? 'timeout' : 'error', error),
    }
    const guard = parts.guard
    this.#undecodable = {
      ...{ name: parts.name, logger: parts.logger, counters: this.counters, onError: parts.onError },
      remove: (fullKey) => void guard.run('delete', (l2) => l2.delete([fullKey]), this.#caller),
    }
    const bus = parts.bus
    if (bus !== undefined) {
      // Announcements run beside the breaker: a bus this user may not use must not stop L2 for data.
      this.publisher = new InvalidationPublisher(
        (keys, tags) =>
          attemptPublish(
            async () =>
              (await announceOnBus(
                bus,
                parts.name,
                guard.runBeside.bind(guard),
                keys,
                this.#caller,
                tags,
              )) !== L2_FAILED,
            bus.health,
          ),
        (keys, tags) => this.#journalUnannounced(keys, tags),
      )
    }
  }

  /** How this cache's L2 calls present themselves to the guard. */
  get caller(): L2Caller {
    return this.#caller
  }

  /** Journal replays completed after outages. */
  get repairs(): number {
    return this.#repairs
  }

  /** The L2 bytes of a value that expires at `expiresAtMs`; throws for a value the serializer refuses. */
  encode(value: unknown, expiresAtMs: number, tags?: readonly string[]): Buffer {
    const codec = this.#parts.codec
    if (tags === undefined) return codec.encode(value, expiresAtMs)
    return codec.encode(value, expiresAtMs, { tags, writtenAtMs: this.#parts.clock.now() })
  }

  /**
   * L2 → decode: the live entry, or `undefined` for a miss, an entry marked stale by the journal, an
   * expired entry (kept in `stale` when asked: the fail-safe copy of `grace`) or L2 trouble.
   */
  async read(key: string, stale?: EntryProbe<unknown>, budget?: L2Budget): Promise<DecodedEntry | undefined> {
    const fullKey = this.#parts.keyPrefix + key
    if (this.journal.isPending(fullKey)) return undefined
    const bytes = await this.guard.run('get', (l2) => l2.get(fullKey), this.#caller, budget)
    if (bytes === L2_FAILED) return undefined
    if (bytes === null) {
      this.counters.misses++
      return undefined
    }
    let entry: DecodedEntry
    try {
      entry = this.#parts.codec.decode(bytes)
    } catch (error) {
      discardUndecodable(this.#undecodable, fullKey, error)
      return undefined
    }
    const remainingMs = entry.expiresAtMs - this.#parts.clock.now()
    if (
      entry.tags !== undefined &&
      (remainingMs > 0 || stale !== undefined) &&
      !(await tagsStillValid(this.guard, this.#caller, this.journal, this.#parts.keyPrefix, entry, budget))
    ) {
      this.counters.misses++
      return undefined
    }
    if (remainingMs <= 0) {
      this.counters.misses++
      if (stale !== undefined) {
        stale.value = entry.value
        stale.expiredForMs = -remainingMs
      }
      return undefined
    }
    this.counters.hits++
    return entry
  }

  /**
   * Many keys in one guarded call (one `MGET`, and one more for the tags' invalidation times when an
   * entry has tags), in the order of `keys`, with the rules of {@link read} for each.
   */
  async readMany(keys: readonly string[]): Promise<Array<DecodedEntry | undefined>> {
    const prefix = this.#parts.keyPrefix
    const entries = new Array<DecodedEntry | undefined>(keys.length)
    const fullKeys: string[] = []
    const positions: number[] = []
    // The journal is almost always empty: then no key needs looking up in it.
    const journal = this.journal.isEmpty ? undefined : this.journal
    for (let i = 0; i < keys.length; i++) {
      const fullKey = prefix + (keys[i] as string)
      if (journal?.isPending(fullKey)) continue
      fullKeys.push(fullKey)
      positions.push(i)
    }
    if (fullKeys.length === 0) return entries
    const codec = this.#parts.codec
    const result = await this.guard.run(
      'getMany',
      (l2) => fetchEntries(l2, fullKeys, codec, prefix),
      this.#caller,
    )
    if (result === L2_FAILED) return entries
    const now = this.#parts.clock.now()
    const { decoded, failures, times } = result
    for (let j = 0; j < fullKeys.length; j++) {
      const entry = decoded[j]
      if (failures?.has(j)) {
        discardUndecodable(this.#undecodable, fullKeys[j] as string, failures.get(j))
      } else if (entry == null || !isServable(entry, now, this.journal, times)) {
        this.counters.misses++
      } else {
        this.counters.hits++
        entries[positions[j] as number] = entry
      }
    }
    return entries
  }

  /**
   * Writes an encoded entry kept `l2TtlMs` (within `budget`); journals the key when L2 fails. Resolves
   * whether it landed. With `tags`, their tag keys are made to outlive the entry first (see `tagKeyOf`).
   */
  async write(
    key: string,
    encoded: Buffer,
    l2TtlMs: number,
    budget?: L2Budget,
    tags?: readonly string[],
  ): Promise<boolean> {
    const keyPrefix = this.#parts.keyPrefix
    const fullKey = keyPrefix + key
    const command =
      tags === undefined
        ? (l2: L2Backend) => l2.set(fullKey, encoded, l2TtlMs)
        : (l2: L2Backend) =>
            storeEntries(l2, keyPrefix, [{ key: fullKey, value: encoded, ttlMs: l2TtlMs }], tags)
    const written = await this.guard.run('set', command, this.#caller, budget)
    return this.#landed(key, fullKey, written !== L2_FAILED)
  }

  /**
   * Writes many entries in one guarded call (the tag keys first, then one `setMany`); every key is
   * journaled when it fails, announced when it lands. Resolves whether they landed.
   */
  async writeMany(writes: readonly EncodedWrite[], tags?: readonly string[]): Promise<boolean> {
    const prefix = this.#parts.keyPrefix
    const l2Writes = writes.map(({ key, encoded, l2TtlMs }) => ({
      key: prefix + key,
      value: encoded,
      ttlMs: l2TtlMs,
    }))
    const written = await this.guard.run(
      'setMany',
      (l2) => storeEntries(l2, prefix, l2Writes, tags),
      this.#caller,
    )
    const landed = written !== L2_FAILED
    for (let i = 0; i < writes.length; i++) {
      this.#landed((writes[i] as EncodedWrite).key, (l2Writes[i] as L2Write).key, landed)
    }
    return landed
  }

  /** Deletes keys in one guarded call: how many L2 held, `undefined` when L2 failed (journaled). */
  async deleteMany(keys: readonly string[]): Promise<number | undefined> {
    const prefix = this.#parts.keyPrefix
    const fullKeys = keys.map((key) => prefix + key)
    const count = await this.guard.run('deleteMany', (l2) => l2.delete(fullKeys), this.#caller)
    for (let i = 0; i < keys.length; i++)
      this.#landed(keys[i] as string, fullKeys[i] as string, count !== L2_FAILED)
    return count === L2_FAILED ? undefined : count
  }

  /**
   * Makes every entry carrying one of `tags` a miss in L2, for every instance: each existing tag key
   * takes the time now (a missing one means no live entry carries the tag). Announced on the bus;
   * journaled when L2 fails. Resolves whether it reached L2.
   */
  async invalidateTags(tags: readonly string[]): Promise<boolean> {
    const { keyPrefix, clock } = this.#parts
    const done = await this.guard.run(
      'deleteByTag',
      (l2) => markTags(l2, keyPrefix, tags, clock.now()),
      this.#caller,
    )
    if (done === L2_FAILED) {
      this.journal.recordTags(tags)
      return false
    }
    this.tagInvalidations++
    this.publisher?.tagsInvalidated(tags)
    return true
  }

  /**
   * `SET NX`: `true` when this call wrote it, `false` when L2 had a live value, `undefined` when L2
   * could not tell (out of reach, or the key is marked stale there): the key is then journaled, since
   * a SET NX that timed out may still have landed. An expired copy kept by `grace` is no value: it is
   * removed (only if it is still that copy) and the SET NX tried once more. All within one
   * `l2CommandTimeout`.
   */
  async setIfNotExist(key: string, encoded: Buffer, ttlMs: number): Promise<boolean | undefined> {
    const fullKey = this.#parts.keyPrefix + key
    if (!this.journal.isPending(fullKey)) {
      const budget = l2Budget(this.guard.commandTimeoutMs)
      const setNx = () =>
        this.guard.run(
          'setIfNotExist',
          (l2) => l2.setIfNotExist(fullKey, encoded, ttlMs),
          this.#caller,
          budget,
        )
      let written = await setNx()
      if (
        written === false &&
        (await removeExpiredCopy(this.guard, this.#caller, this.#parts.clock, fullKey, budget))
      )
        written = await setNx()
      if (written === true) return this.#landed(key, fullKey, true)
      if (written === false) return false
    }
    this.journal.recordKey(fullKey)
    return undefined
  }

  /** Deletes a key: whether L2 held it, `false` when L2 failed (the delete is then journaled). */
  async delete(key: string): Promise<boolean> {
    const fullKey = this.#parts.keyPrefix + key
    const count = await this.guard.run('delete', (l2) => l2.delete([fullKey]), this.#caller)
    // Announced even when L2 had no copy: another instance's L1 may still hold one.
    this.#landed(key, fullKey, count !== L2_FAILED)
    return count !== L2_FAILED && count > 0
  }

  /**
   * Whether a live entry exists: `false` for a missing key, an expired copy kept by `grace`, a key
   * marked stale in L2, or when L2 fails. Reads the entry (its header says when it expires).
   */
  async exists(key: string): Promise<boolean> {
    return (await this.remainingTtlMs(key)) !== undefined
  }

  /**
   * The entry's remaining lifetime in ms from its header (`Infinity` without expiry), `undefined` when
   * missing, expired (an expired copy kept by `grace` included), marked stale or L2 fails. A value
   * whose header this version cannot read (a newer release's entry, another program's data) is
   * there: its key's own lifetime (`PTTL`) is the answer.
   */
  async remainingTtlMs(key: string): Promise<number | undefined> {
    const fullKey = this.#parts.keyPrefix + key
    if (this.journal.isPending(fullKey)) return undefined
    const expiry = await expiryOf(this.guard, this.#caller, fullKey)
    if (expiry === 'unreadable') {
      const remainingMs = await this.guard.run('pttl', (l2) => l2.remainingTtlMs(fullKey), this.#caller)
      return remainingMs === L2_FAILED ? undefined : remainingMs
    }
    if (expiry === undefined) return undefined
    const remainingMs = expiry - this.#parts.clock.now()
    return remainingMs > 0 ? remainingMs : undefined
  }

  /** Deletes every key under the cache's prefix: how many, or `undefined` when L2 failed (journaled). */
  async clear(): Promise<number | undefined> {
    const plan = this.journal.plan()
    try {
      const execute = throwingExecutor(
        this.guard,
        this.#caller,
        (op) => new CacheError(`L2 ${op} did not complete`),
      )
      const removed = await unlinkPrefix(execute, this.#parts.keyPrefix)
      this.journal.completeClear(plan)
      this.journal.completeKeys(plan.keys)
      this.publisher?.cleared()
      return removed
    } catch {
      this.journal.recordClear()
      return undefined
    }
  }

  /**
   * Adds the keys of the live L2 entries starting with `prefix` to `keys`, until `limit` (expired
   * copies kept by `grace` left out); nothing while a clear is pending.
   */
  async collectKeys(prefix: string, keys: Set<string>, limit: number): Promise<void> {
    if (this.journal.clearPending) return
    const clock = this.#parts.clock
    await collectL2Keys(this.guard, this.#caller, this.journal, this.#parts.keyPrefix, prefix, keys, limit, {
      read: readHeader,
      isLive: (bytes) => {
        // A value this version cannot read is listed: it is there, for the instances that can.
        const expiresAtMs = entryExpiresAtMs(bytes)
        return expiresAtMs === undefined || expiresAtMs > clock.now()
      },
    })
  }

  /** Replays the journal as invalidations (and announcements); throws when L2 fails mid-way. */
  async repair(execute: L2Executor): Promise<RepairOutcome> {
    const outcome = await replayRepairs(this.journal, execute, {
      keyPrefix: this.#parts.keyPrefix,
      unlinkPrefix: (run) => unlinkPrefix(run, this.#parts.keyPrefix),
      announce: (run, keys, tags) => this.#announce(run, keys, tags),
      invalidateTags: (run, tags) => {
        this.tagInvalidations++
        return run('repair', (l2) => markTags(l2, this.#parts.keyPrefix, tags, this.#parts.clock.now()))
      },
    })
    this.#repairs++
    return outcome
  }

  /** Sends the announcements still waiting (before close), then stops announcing. */
  async flushAnnouncements(): Promise<void> {
    await this.publisher?.flush()
    this.publisher?.dispose()
  }

  /** After an L2 write or delete: journaled when it failed, else cleared from the journal and announced. */
  #landed(key: string, fullKey: string, landed: boolean): boolean {
    if (!landed) {
      this.journal.recordKey(fullKey)
      return false
    }
    this.journal.forgetKey(fullKey)
    this.publisher?.keyChanged(key)
    return true
  }

  /**
   * Announces changed keys (and invalidated tags) through a repair's executor; nothing without a bus.
   * A refusal (a user without channel rights) does not fail the repair, which would keep L2 unused for
   * data: the step is done, and the next message names the whole cache.
   */
  async #announce(run: L2Executor, keys: readonly string[] | null, tags?: readonly string[]): Promise<void> {
    const bus = this.#parts.bus
    if (bus === undefined) return
    try {
      await announceOnBus(bus, this.#parts.name, run as L2Runner<void>, keys, this.#caller, tags)
    } catch (error) {
      if (serverRefusalCode(error) === undefined) throw error
      bus.health.failed('publish', error)
      this.publisher?.owesWholeCache()
    }
  }

  /** A bus message that could not be sent: its keys and tags are repaired (and announced) when L2 is back. */
  #journalUnannounced(keys: readonly string[] | null, tags: readonly string[]): void {
    if (keys === null) this.journal.recordClear()
    else for (const key of keys) this.journal.recordKey(this.#parts.keyPrefix + key)
    if (tags.length > 0) this.journal.recordTags(tags)
  }
}
