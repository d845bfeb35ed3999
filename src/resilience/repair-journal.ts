/** What a replay must do: the keys to invalidate, and whether the whole prefix must be cleared first. */
export interface RepairPlan {
  readonly clearPrefix: boolean
  readonly keys: ReadonlyArray<readonly [fullKey: string, generation: number]>
  /** Tags whose `deleteByTag` did not reach L2 (or was not announced). */
  readonly tags: ReadonlyArray<readonly [tag: string, generation: number]>
  readonly clearGeneration: number
}

/**
 * The per-cache record of writes that did not reach L2 ("nothing lost", SPEC 2.7).
 *
 * Each `set` or `delete` that failed marks its key; a failed `clear` marks the whole prefix. On repair
 * every marked key is invalidated in L2 (never rewritten: the value in this process may itself be
 * stale by then), so no instance can read a value that was overwritten or deleted during the outage.
 * The journal is bounded: past `maxEntries` keys it degrades to a prefix clear, which costs only
 * warmth, whereas dropping a key could serve wrong data.
 *
 * A `deleteByTag` that did not reach L2 marks its tags: on repair they are invalidated then (which
 * covers every entry written before the repair, a superset of those written before the call), and
 * until then no entry carrying one of them is read from L2 here. Tags count towards `maxEntries`.
 *
 * Generations make replay safe against writes that fail while the replay is running: only the marks
 * that the replay saw are removed when it succeeds.
 */
export class RepairJournal {
  readonly maxEntries: number
  readonly #keys = new Map<string, number>()
  readonly #tags = new Map<string, number>()
  #clearPending = false
  #clearGeneration = 0
  #generation = 0

  constructor(maxEntries: number) {
    this.maxEntries = maxEntries
  }

  /** Marks, in the stats, each key plus one for a pending prefix clear. */
  get size(): number {
    return this.#keys.size + this.#tags.size + (this.#clearPending ? 1 : 0)
  }

  get isEmpty(): boolean {
    return this.#keys.size === 0 && this.#tags.size === 0 && !this.#clearPending
  }

  /** Whether a `deleteByTag` of one of these tags still has to reach L2. */
  hasPendingTag(tags: readonly string[]): boolean {
    if (this.#tags.size === 0) return false
    for (const tag of tags) if (this.#tags.has(tag)) return true
    return false
  }

  /** A `deleteByTag` of these tags did not reach L2, or its announcement was not sent. */
  recordTags(tags: readonly string[]): void {
    for (const tag of tags) {
      // Past the bound a prefix clear covers every entry, tagged or not.
      if (!this.#tags.has(tag) && this.#keys.size + this.#tags.size >= this.maxEntries) {
        this.recordClear()
        return
      }
      this.#tags.set(tag, ++this.#generation)
    }
  }

  get clearPending(): boolean {
    return this.#clearPending
  }

  /** Whether L2 may hold an outdated value for this key (so it must not be read from L2). */
  isPending(fullKey: string): boolean {
    return this.#clearPending || this.#keys.has(fullKey)
  }

  /** A write or delete of this key did not reach L2. */
  recordKey(fullKey: string): void {
    if (!this.#keys.has(fullKey) && this.#keys.size + this.#tags.size >= this.maxEntries) {
      this.recordClear()
      return
    }
    this.#keys.set(fullKey, ++this.#generation)
  }

  /** A later write or delete of this key reached L2, so L2 holds the truth for it again. */
  forgetKey(fullKey: string): void {
    this.#keys.delete(fullKey)
  }

  /** A clear did not reach L2 (or the journal overflowed): the whole prefix must be cleared. */
  recordClear(): void {
    this.#keys.clear()
    this.#tags.clear()
    this.#clearPending = true
    this.#clearGeneration = ++this.#generation
  }

  /** What a replay must do now. */
  plan(): RepairPlan {
    return {
      clearPrefix: this.#clearPending,
      keys: [...this.#keys],
      tags: [...this.#tags],
      clearGeneration: this.#clearGeneration,
    }
  }

  /** The prefix clear of `plan` succeeded. */
  completeClear(plan: RepairPlan): void {
    if (plan.clearPrefix && this.#clearGeneration === plan.clearGeneration) this.#clearPending = false
  }

  /** The invalidation (and announcement) of these tags of `plan` succeeded. */
  completeTags(entries: RepairPlan['tags']): void {
    for (const [tag, generation] of entries) {
      if (this.#tags.get(tag) === generation) this.#tags.delete(tag)
    }
  }

  /** The invalidation of these keys of `plan` succeeded. */
  completeKeys(entries: RepairPlan['keys']): void {
    for (const [fullKey, generation] of entries) {
      if (this.#keys.get(fullKey) === generation) this.#keys.delete(fullKey)
    }
  }
}
