/**
 * The arithmetic and the bookkeeping of the stale-window measurement (the `coherence` group): when
 * did each reader drop a key, and how long after the writer's `delete()` resolved was that. No I/O
 * and no Redis: unit-tested in `test/unit/bench-stale-window.test.ts`.
 */
import { quantile } from './stats.js'

/**
 * Waits for a cache to drop keys. The cache's invalidation hook calls {@link invalidated} with the
 * `performance.now()` of the moment the keys left its L1; {@link next} resolves with that moment.
 */
export class InvalidationWatch {
  readonly #waiters = new Map<string, Set<(atMs: number) => void>>()

  /**
   * The moment (`performance.now()`, ms) at which `key` is next invalidated, or `undefined` when
   * that does not happen within `limitMs`. Call it before the action that should invalidate the key,
   * so that an invalidation arriving before the action's promise settles is not missed.
   */
  next(key: string, limitMs: number): Promise<number | undefined> {
    return new Promise((resolve) => {
      let waiters = this.#waiters.get(key)
      if (waiters === undefined) {
        waiters = new Set()
        this.#waiters.set(key, waiters)
      }
      const set = waiters
      const done = (atMs: number | undefined): void => {
        clearTimeout(timer)
        set.delete(waiter)
        if (set.size === 0 && this.#waiters.get(key) === set) this.#waiters.delete(key)
        resolve(atMs)
      }
      const waiter = (atMs: number): void => done(atMs)
      const timer = setTimeout(() => done(undefined), limitMs)
      set.add(waiter)
    })
  }

  /** The cache dropped `keys` (every key for `null`) at `atMs`: settles the waits for them. */
  invalidated(keys: readonly string[] | null, atMs: number): void {
    const names = keys ?? [...this.#waiters.keys()]
    for (const key of names) {
      const waiters = this.#waiters.get(key)
      if (waiters === undefined) continue
      for (const waiter of [...waiters]) waiter(atMs)
    }
  }

  /** Keys someone is still waiting for (0 between samples: nothing leaks into the next one). */
  get pending(): number {
    return this.#waiters.size
  }
}

/** What one sample of the stale window came to. */
export interface StaleWindowSample {
  /**
   * Nanoseconds from the writer's `delete()` resolving until the last reader dropped its copy; 0
   * when every reader had dropped it before `delete()` resolved; `limitNs` when a reader never did.
   */
  windowNs: number
  /**
   * When the last reader dropped its copy, relative to `delete()` resolving, in ns: negative when
   * that was before (`NaN` when a reader never did).
   */
  offsetNs: number
  /** Every reader dropped its copy before the writer's `delete()` resolved. */
  early: boolean
  /** Readers that never dropped their copy within the limit. */
  lost: number
}

/**
 * One sample from the moment the writer's `delete()` resolved and the moments the readers dropped
 * the key (`undefined`: not within the limit), all `performance.now()` milliseconds. "Until every
 * reader stops returning the old value" is the latest reader.
 */
export function staleWindowSample(
  resolvedAtMs: number,
  droppedAtMs: readonly (number | undefined)[],
  limitNs: number,
): StaleWindowSample {
  if (droppedAtMs.length === 0) throw new RangeError('staleWindowSample: no reader')
  let latestNs = Number.NEGATIVE_INFINITY
  let lost = 0
  for (const atMs of droppedAtMs) {
    if (atMs === undefined) lost++
    else latestNs = Math.max(latestNs, (atMs - resolvedAtMs) * 1e6)
  }
  if (lost > 0) return { windowNs: limitNs, offsetNs: Number.NaN, early: false, lost }
  return { windowNs: Math.max(0, latestNs), offsetNs: latestNs, early: latestNs <= 0, lost: 0 }
}

/** The `q`-quantile of each round's samples: the per-round values a target's median is taken of. */
export function perRoundQuantile(rounds: readonly (readonly number[])[], q: number): number[] {
  return rounds.map((samples) => quantile(samples, q))
}
