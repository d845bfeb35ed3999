import type { ResilientTwoLevelCache } from 'resilient-cache'

/** One write of a batch: a key, its value, and its lifetime in ms (`undefined`: the cache's `l2Ttl`). */
export interface BatchEntry {
  key: string
  value: unknown
  ttlMs: number | undefined
}

// The Keyv store's batches, in one place. They are per-key calls run concurrently for now (each still
// goes through the cache's timeout and breaker); when the cache offers getMany/setMany/deleteMany,
// these three functions are the only code to change.

/** The values of `keys`, in order, `undefined` for a miss. */
export function getMany(cache: ResilientTwoLevelCache<unknown>, keys: readonly string[]): Promise<unknown[]> {
  return Promise.all(keys.map((key) => cache.get(key)))
}

/** Writes every entry (L1 and L2); a failed L2 write stays in L1 and is repaired, as with `set`. */
export async function setMany(
  cache: ResilientTwoLevelCache<unknown>,
  entries: readonly BatchEntry[],
): Promise<void> {
  await Promise.all(entries.map(({ key, value, ttlMs }) => cache.set(key, value, ttlOption(ttlMs))))
}

/** Removes `keys`; resolves how many of them were held (in L1 or L2). */
export async function deleteMany(
  cache: ResilientTwoLevelCache<unknown>,
  keys: readonly string[],
): Promise<number> {
  const removed = await Promise.all(keys.map((key) => cache.delete(key)))
  return removed.filter(Boolean).length
}

/** The cache's `set` options for a lifetime in ms: its durations in numbers are seconds. */
export function ttlOption(ttlMs: number | undefined): { ttl: number } | undefined {
  return ttlMs === undefined ? undefined : { ttl: ttlMs / 1000 }
}
