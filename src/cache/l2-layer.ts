import type { DecodedEntry, EntryCodec } from '../backends/l2/entry-format.js'
import { ENTRY_HEADER_FIXED_BYTES, EntryDecodeError, entryExpiresAtMs } from '../backends/l2/entry-format.js'
import type { L2Backend } from '../backends/l2/l2-backend.js'
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
import { collectL2Keys, throwingExecutor, unlinkPrefix } from './prefix-keys.js'

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

/**
 * One cache's side of L2: every call through the guard (timeout, circuit breaker), the repair journal
 * that remembers what did not reach L2, and the announcements of what did. Nothing here rejects for L2
 * trouble: a failed read is a miss, a failed write is journaled and repaired when L2 returns.
 */
export class L2Layer {
  readonly guard: L2Guard
  readonly counters = {
    hits: 0,
    misses: 0,
    errors: 0,
    timeouts: 0,
    corruptEntries: 0,
    unsupportedEntries: 0,
  }
  readonly journal: RepairJournal
  readonly publisher: InvalidationPublisher | undefined
  readonly #parts: L2LayerParts
  readonly #caller: L2Caller
  #repairs = 0

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
    const bus = parts.bus
    if (bus !== undefined) {
      // Announcements run beside the breaker: a bus this user may not use must not stop L2 for data.
      this.publisher = new InvalidationPublisher(
        (keys) =>
          attemptPublish(
            async () =>
              (await announceOnBus(bus, parts.name, guard.runBeside.bind(guard), keys, this.#caller)) !==
              L2_FAILED,
            bus.health,
          ),
        (keys) => this.#journalUnannounced(keys),
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
  encode(value: unknown, expiresAtMs: number): Buffer {
    return this.#parts.codec.encode(value, expiresAtMs)
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
      this.#discardUndecodable(fullKey, error)
      return undefined
    }
    const remainingMs = entry.expiresAtMs - this.#parts.clock.now()
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

  /** Writes an encoded entry kept `l2TtlMs`; journals the key when L2 fails. Resolves whether it landed. */
  async write(key: string, encoded: Buffer, l2TtlMs: number, budget?: L2Budget): Promise<boolean> {
    const fullKey = this.#parts.keyPrefix + key
    const written = await this.guard.run(
      'set',
      (l2) => l2.set(fullKey, encoded, l2TtlMs),
      this.#caller,
      budget,
    )
    return this.#landed(key, fullKey, written !== L2_FAILED)
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
      if (written === false && (await this.#removeExpiredCopy(fullKey, budget))) written = await setNx()
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
    const expiry = await this.#expiryOf(fullKey)
    if (expiry === 'unreadable') {
      const remainingMs = await this.guard.run('pttl', (l2) => l2.remainingTtlMs(fullKey), this.#caller)
      return remainingMs === L2_FAILED ? undefined : remainingMs
    }
    if (expiry === undefined) return undefined
    const remainingMs = expiry - this.#parts.clock.now()
    return remainingMs > 0 ? remainingMs : undefined
  }

  /**
   * The expiry in the header of `fullKey`'s entry; `undefined` when the key is missing or L2 fails,
   * `'unreadable'` for a value that is not an entry this version reads.
   */
  async #expiryOf(fullKey: string, budget?: L2Budget): Promise<number | 'unreadable' | undefined> {
    const header = await this.guard.run('header', (l2) => readHeader(l2, fullKey), this.#caller, budget)
    if (header === L2_FAILED || header === null) return undefined
    return entryExpiresAtMs(header) ?? 'unreadable'
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
      announce: (run, keys) => this.#announce(run, keys),
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
   * Announces changed keys through a repair's executor; nothing without a bus. A refusal (a user
   * without channel rights) does not fail the repair, which would keep L2 unused for data: the step
   * is done, and the next message names the whole cache.
   */
  async #announce(run: L2Executor, keys: readonly string[] | null): Promise<void> {
    const bus = this.#parts.bus
    if (bus === undefined) return
    try {
      await announceOnBus(bus, this.#parts.name, run as L2Runner<void>, keys, this.#caller)
    } catch (error) {
      if (serverRefusalCode(error) === undefined) throw error
      bus.health.failed('publish', error)
      this.publisher?.owesWholeCache()
    }
  }

  /** A bus message that could not be sent: its keys are repaired (and announced) when L2 is back. */
  #journalUnannounced(keys: readonly string[] | null): void {
    if (keys === null) this.journal.recordClear()
    else for (const key of keys) this.journal.recordKey(this.#parts.keyPrefix + key)
  }

  /** Removes an expired copy kept by `grace` (only if it is still that copy); whether it did. */
  async #removeExpiredCopy(fullKey: string, budget: L2Budget): Promise<boolean> {
    // The header first: for a live value (the usual answer) the value itself is not read.
    const expiry = await this.#expiryOf(fullKey, budget)
    if (expiry === 'unreadable' || (expiry !== undefined && expiry > this.#parts.clock.now())) return false
    const bytes = await this.guard.run('get', (l2) => l2.get(fullKey), this.#caller, budget)
    if (bytes === L2_FAILED || bytes === null) return bytes === null
    const expiresAtMs = entryExpiresAtMs(bytes)
    if (expiresAtMs === undefined || expiresAtMs > this.#parts.clock.now()) return false
    const removed = await this.guard.run(
      'delete',
      (l2) => l2.deleteIfEquals?.(fullKey, bytes) ?? Promise.resolve(false),
      this.#caller,
      budget,
    )
    return removed === true
  }

  /**
   * An undecodable entry is a miss, never a breaker failure. A corrupt or foreign one is counted,
   * logged and removed; one that is intact but unreadable here (a newer release wrote it) is left for
   * the instances that can read it, and logged at warn once per cache: in a rolling upgrade it is
   * every read.
   */
  #discardUndecodable(fullKey: string, error: unknown): void {
    this.counters.misses++
    if (error instanceof EntryDecodeError && !error.corrupt) {
      this.counters.unsupportedEntries++
      const logger = this.#parts.logger
      const log = this.counters.unsupportedEntries === 1 ? logger.warn : logger.debug
      log.call(
        logger,
        { cache: this.#parts.name, reason: error.reason, error: error.message },
        'L2 entry this process cannot read treated as a miss and left in place',
      )
      this.#parts.onError('get', 'decode', error)
      return
    }
    this.counters.corruptEntries++
    const reason = error instanceof EntryDecodeError ? error.reason : 'payload'
    this.#parts.logger.warn(
      { cache: this.#parts.name, reason, error: (error as Error).message },
      'Undecodable L2 entry treated as a miss and deleted',
    )
    this.#parts.onError('get', 'decode', error)
    void this.guard.run('delete', (l2) => l2.delete([fullKey]), this.#caller)
  }
}

/** The header of an entry (what holds its expiry), through `getPrefix` when the backend has it. */
function readHeader(l2: L2Backend, fullKey: string): Promise<Uint8Array | null> {
  return l2.getPrefix === undefined ? l2.get(fullKey) : l2.getPrefix(fullKey, ENTRY_HEADER_FIXED_BYTES)
}
