import type { ResilientTwoLevelCache, SetOptions } from 'resilient-cache'

/** One write of a batch: a key, its value, and its lifetime in ms (`undefined`: the cache's `l2Ttl`). */
export interface BatchEntry {
  key: string
  value: unknown
  ttlMs: number | undefined
}

type Cache = ResilientTwoLevelCache<unknown>

// The Keyv store's batches, in one place. They are per-key calls run concurrently for now (each still
// goes through the cache's timeout and breaker). When the cache has getMany / setMany / deleteMany
// (one MGET, one pipeline), the body of each function below becomes that one call; nothing else in
// the store changes.

/** The values of `keys`, in order, `undefined` for a miss. */
export function getMany(cache: Cache, keys: readonly string[]): Promise<unknown[]> {
  return Promise.all(keys.map((key) => cache.get(key)))
}

/**
 * Writes every entry (L1 and L2); a failed L2 write stays in L1 and is repaired, as with `set`.
 * Grouped by lifetime, because a batch write of the cache takes one `ttl` for all its entries.
 */
export async function setMany(cache: Cache, entries: readonly BatchEntry[]): Promise<void> {
  const byTtl = new Map<number | undefined, Array<readonly [string, unknown]>>()
  for (const { key, value, ttlMs } of entries) {
    const group = byTtl.get(ttlMs)
    if (group === undefined) byTtl.set(ttlMs, [[key, value]])
    else group.push([key, value])
  }
  await Promise.all([...byTtl].map(([ttlMs, group]) => setGroup(cache, group, ttlOption(ttlMs))))
}

/** Entries of one lifetime: the cache's `setMany(group, options)` once it has one. */
async function setGroup(
  cache: Cache,
  group: ReadonlyArray<readonly [string, unknown]>,
  options: SetOptions | undefined,
): Promise<void> {
  await Promise.all(group.map(([key, value]) => cache.set(key, value, options)))
}

/** Removes `keys`; resolves how many of them were held (in L1 or L2). */
export async function deleteMany(cache: Cache, keys: readonly string[]): Promise<number> {
  const removed = await Promise.all(keys.map((key) => cache.delete(key)))
  return removed.filter(Boolean).length
}

/** Whether each of `keys` is cached (L1, then L2), in order. */
export function hasMany(cache: Cache, keys: readonly string[]): Promise<boolean[]> {
  return Promise.all(keys.map((key) => cache.isOnCache(key)))
}

/** The cache's `set` options for a lifetime in ms: its durations in numbers are seconds. */
export function ttlOption(ttlMs: number | undefined): SetOptions | undefined {
  return ttlMs === undefined ? undefined : { ttl: ttlMs / 1000 }
}
