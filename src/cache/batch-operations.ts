import { assertCallOptions, BATCH_WRITE_OPTION_NAMES } from '../config/call-options.js'
import { parseDurationMs } from '../config/durations.js'
import type { ReadTicket } from '../invalidation/inflight-reads.js'
import { assertBatchSize, assertValidKeys } from '../kernel/batch-keys.js'
import { DELETE, SET } from '../kernel/watched-emitter.js'
import { LoadMany, type LoadMissing } from '../loading/load-many.js'
import type { DataPath } from './data-path.js'
import { NOT_IN_L1 } from './l1-values.js'
import type { EncodedWrite, L2Layer } from './l2-layer.js'
import type { GetOrSetManyOptions, SetOptions } from './method-types.js'

/** What batch calls did, for `stats.batches`. */
export interface BatchCounters {
  getMany: number
  setMany: number
  deleteMany: number
  getOrSetMany: number
  /** Keys the batch calls named, all together. */
  keys: number
}

/** One entry of a batch write, its lifetime resolved. */
export interface BatchWrite<V> {
  readonly key: string
  readonly value: V
  readonly ttlMs: number
}

/**
 * `getMany`, `setMany` and `deleteMany` of one cache: L1 key by key, L2 in one guarded call for the
 * whole batch (one `MGET`, one pipeline of `SET PX`, one `UNLINK`; per hash slot in a cluster), with
 * the rules of the single-key calls for each key.
 */
export class BatchOperations<V> {
  readonly counters: BatchCounters = { getMany: 0, setMany: 0, deleteMany: 0, getOrSetMany: 0, keys: 0 }
  readonly #core: DataPath<V>
  readonly #loadMany: LoadMany<V>

  constructor(core: DataPath<V>) {
    this.#core = core
    this.#loadMany = new LoadMany<V>({ name: core.name, lookUp: (keys) => this.lookUp(keys) })
  }

  /** Loader calls `getOrSetMany` made. */
  get loads(): number {
    return this.#loadMany.loads
  }

  /** The values of `keys`, in their order: L1, then one L2 read for the L1 misses. */
  async getMany(keys: readonly string[]): Promise<Array<V | undefined>> {
    this.#count('getMany', keys)
    return this.lookUp(keys)
  }

  /** Validates entries, options and values, then writes them all (see {@link write}). */
  async setMany(entries: Iterable<readonly [string, V]>, options: SetOptions | undefined): Promise<void> {
    if (typeof (entries as Partial<Iterable<unknown>> | null)?.[Symbol.iterator] !== 'function') {
      throw new TypeError('setMany: entries must be an iterable of [key, value] pairs (an array or a Map)')
    }
    const list = [...entries]
    const keys = list.map((entry, index) => {
      if (!Array.isArray(entry)) throw new TypeError(`setMany: entries[${index}] must be a [key, value] pair`)
      return entry[0] as unknown
    })
    this.#count('setMany', keys, (index) => `entries[${index}][0]`)
    assertCallOptions(options, BATCH_WRITE_OPTION_NAMES, 'setMany')
    const tags = this.#core.tagsOf(options?.tags, 'setMany')
    await this.write(this.#lifetimes(list, options?.ttl), tags)
  }

  /** The values of `keys`; the missing ones loaded by one `loadMissing` call and stored. */
  async getOrSetMany(
    keys: readonly string[],
    loadMissing: LoadMissing<V>,
    options: GetOrSetManyOptions | undefined,
  ): Promise<Array<V | undefined>> {
    this.#count('getOrSetMany', keys)
    if (typeof loadMissing !== 'function') {
      throw new TypeError(`getOrSetMany: loadMissing must be a function, got ${typeof loadMissing}`)
    }
    assertCallOptions(options, BATCH_WRITE_OPTION_NAMES, 'getOrSetMany')
    const tags = this.#core.tagsOf(options?.tags, 'getOrSetMany')
    const lifetimes = (entries: ReadonlyArray<readonly [string, V]>) => this.#lifetimes(entries, options?.ttl)
    return this.#loadMany.run(keys, loadMissing, (entries) => this.write(lifetimes(entries), tags))
  }

  /** Validates a batch call's keys (a `TypeError` naming a bad key's index) and counts the call. */
  #count(
    call: 'getMany' | 'setMany' | 'deleteMany' | 'getOrSetMany',
    keys: unknown,
    nameOf?: (index: number) => string,
  ): void {
    assertValidKeys(keys, this.#core.keyPrefixBytes, call, nameOf)
    this.counters[call]++
    this.counters.keys += keys.length
  }

  /** Each entry with its own lifetime (`ttl` or `l2Ttl`, jittered per entry). */
  #lifetimes(entries: ReadonlyArray<readonly [string, V]>, ttl: SetOptions['ttl']): Array<BatchWrite<V>> {
    const ttlMs = ttl === undefined ? undefined : parseDurationMs(ttl, 'ttl')
    return entries.map(([key, value]) => ({ key, value, ttlMs: this.#core.entryTtlMs(ttlMs) }))
  }

  /** L1 then L2 for `keys`, without counting a batch call (the loading flow's lookup too). */
  async lookUp(keys: readonly string[]): Promise<Array<V | undefined>> {
    const core = this.#core
    if (core.l1 === undefined && core.l2 !== undefined) return this.#lookUpL2Only(keys, core.l2)
    const values = new Array<V | undefined>(keys.length)
    // The L1 misses, each key once, and where each repeated key's answer goes as well.
    const missedKeys: string[] = []
    const missedAt: number[] = []
    const firstMiss = new Map<string, number>()
    let repeats: Array<readonly [position: number, missIndex: number]> | undefined
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string
      const inL1 = core.readL1(key)
      if (inL1 !== NOT_IN_L1) {
        values[i] = inL1
        continue
      }
      if (core.l1 !== undefined) core.l1Counters.misses++
      const seen = firstMiss.get(key)
      if (seen === undefined) {
        firstMiss.set(key, missedKeys.length)
        missedKeys.push(key)
        missedAt.push(i)
      } else {
        repeats ??= []
        repeats.push([i, seen])
      }
    }
    if (missedKeys.length === 0) return values
    const found = await this.#readL2(missedKeys)
    const watched = core.events.watched !== 0
    for (let j = 0; j < missedKeys.length; j++) {
      values[missedAt[j] as number] = found[j]
      if (watched) core.events.lookUp(missedKeys[j] as string, found[j])
    }
    if (repeats !== undefined)
      for (const [position, missIndex] of repeats) values[position] = found[missIndex]
    return values
  }

  /**
   * Encodes every entry first (one bad value rejects the call before anything is written), then L1,
   * then L2 in one guarded call; keys that miss L2 are journaled, and announced together when they land.
   */
  async write(writes: ReadonlyArray<BatchWrite<V>>, tags: readonly string[] | undefined): Promise<void> {
    const core = this.#core
    assertBatchSize(writes.length, 'setMany')
    const encoded: EncodedWrite[] = []
    for (const { key, value, ttlMs } of writes) {
      const bytes = core.encode(value, ttlMs, tags)
      if (bytes !== undefined) encoded.push({ key, encoded: bytes, l2TtlMs: ttlMs })
    }
    for (const { key, value, ttlMs } of writes) core.writeL1(key, value, ttlMs, undefined, tags)
    const l2Written = core.l2 !== undefined && encoded.length > 0 && (await core.l2.writeMany(encoded, tags))
    if ((core.events.watched & SET) !== 0) {
      for (const { key } of writes) core.events.notify('set', { cache: core.name, key, l2Written })
    }
  }

  /** Removes `keys` from L2 then L1: how many existed (in L2; in L1 when L2 cannot tell). */
  async deleteMany(keys: readonly string[]): Promise<number> {
    const core = this.#core
    this.#count('deleteMany', keys)
    const unique = [...new Set(keys)]
    const l2Count = core.l2 === undefined ? undefined : await core.l2.deleteMany(unique)
    let l1Count = 0
    for (const key of unique) {
      // After the L2 delete, so that a read that raced it cannot put the old value back into L1.
      core.inflight.invalidate(key)
      const removed = core.l1?.delete(key) === true
      if (removed) l1Count++
      if ((core.events.watched & DELETE) !== 0)
        core.events.notify('delete', { cache: core.name, key, removed })
    }
    return l2Count ?? l1Count
  }

  /**
   * Without L1 there is nothing to look up first, de-duplicate for or promote into: straight to L2
   * (a key asked twice is read twice by the same MGET). The per-key cost is what `getMany` of an
   * L2-only cache adds to a raw MGET, so it stays a plain loop.
   */
  async #lookUpL2Only(keys: readonly string[], l2: L2Layer): Promise<Array<V | undefined>> {
    const entries = await l2.readMany(keys)
    const values = new Array<V | undefined>(keys.length)
    for (let i = 0; i < keys.length; i++) values[i] = entries[i]?.value as V | undefined
    const events = this.#core.events
    if (events.watched !== 0)
      for (let i = 0; i < keys.length; i++) events.lookUp(keys[i] as string, values[i])
    return values
  }

  /** One L2 read for distinct keys, each promoted unless written or invalidated meanwhile. */
  async #readL2(keys: readonly string[]): Promise<Array<V | undefined>> {
    const core = this.#core
    const l2 = core.l2
    if (l2 === undefined) return new Array<V | undefined>(keys.length)
    const tickets = keys.map((key) => core.inflight.begin(key))
    try {
      const entries = await l2.readMany(keys)
      return entries.map((entry, j) =>
        entry === undefined
          ? undefined
          : core.promote(keys[j] as string, entry, (tickets[j] as ReadTicket).invalidated),
      )
    } finally {
      for (const ticket of tickets) core.inflight.end(ticket)
    }
  }
}
