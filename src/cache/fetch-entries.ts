import type { DecodedEntry, EntryCodec } from '../backends/l2/entry-format.js'
import type { L2Backend } from '../backends/l2/l2-backend.js'
import { getManyOf, readTagTimes } from './tag-keys.js'

/** What {@link fetchEntries} read: entries by position (`null`: missing or undecodable). */
export interface FetchedEntries {
  readonly decoded: Array<DecodedEntry | null>
  /** Why the entries at these positions could not be decoded. */
  readonly failures: Map<number, unknown> | undefined
  /** The invalidation times of the tags the entries carry; `undefined` when none carries a tag. */
  readonly times: Map<string, number> | undefined
}

/**
 * Inside one guarded call: the entries of `fullKeys` (one `getMany`), decoded, and the invalidation
 * times of their tags (one more `getMany`, only when an entry carries tags). A plain loop, no closure
 * per entry: this is the per-key cost of `getMany`.
 */
export async function fetchEntries(
  l2: L2Backend,
  fullKeys: readonly string[],
  codec: EntryCodec,
  keyPrefix: string,
): Promise<FetchedEntries> {
  const stored = await getManyOf(l2, fullKeys)
  const decoded = new Array<DecodedEntry | null>(stored.length)
  let failures: Map<number, unknown> | undefined
  let tags: Set<string> | undefined
  for (let j = 0; j < stored.length; j++) {
    const bytes = stored[j]
    decoded[j] = null
    if (bytes == null) continue
    try {
      const entry = codec.decode(bytes)
      decoded[j] = entry
      if (entry.tags !== undefined) {
        tags ??= new Set()
        for (const tag of entry.tags) tags.add(tag)
      }
    } catch (error) {
      failures ??= new Map()
      failures.set(j, error)
    }
  }
  const times = tags === undefined ? undefined : await readTagTimes(l2, keyPrefix, [...tags])
  return { decoded, failures, times }
}
