import type { L2Layer } from './l2-layer.js'
import type { ListKeysOptions } from './method-types.js'

/**
 * The keys of a cache that start with `prefix` (L1's live copies, then L2, de-duplicated, without the L2 prefix),
 * at most `options.limit`. Throws a `TypeError` naming a bad argument.
 */
export async function listKeysOf(
  l1Keys: Iterable<string>,
  l2: L2Layer | undefined,
  prefix: unknown,
  options: ListKeysOptions,
): Promise<string[]> {
  if (typeof prefix !== 'string')
    throw new TypeError(`listKeys: prefix must be a string, got ${typeof prefix}`)
  const limit = options.limit ?? Number.POSITIVE_INFINITY
  if (limit !== Number.POSITIVE_INFINITY && !(Number.isInteger(limit) && limit >= 1)) {
    throw new TypeError(`listKeys: limit must be an integer >= 1, got ${String(options.limit)}`)
  }
  const keys = new Set<string>()
  for (const key of l1Keys) {
    if (keys.size >= limit) return [...keys]
    if (key.startsWith(prefix)) keys.add(key)
  }
  await l2?.collectKeys(prefix, keys, limit)
  return [...keys]
}
