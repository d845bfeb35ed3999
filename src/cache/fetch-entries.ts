import type { DecodedEntry, EntryCodec } from '../backends/l2/entry-format.js'
import type { L2Backend, L2Write } from '../backends/l2/l2-backend.js'
import type { RepairJournal } from '../resilience/repair-journal.js'
import { getManyOf, isInvalidatedByTags, readTagTimes, touchTags } from './tag-keys.js'

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

/**
 * Whether an entry {@link fetchEntries} read may be served: not expired, and, carrying tags, covered by
 * no `deleteByTag` (none pending in `journal`, none since its write in `times`; no `times`: cannot tell).
 */
export function isServable(
  entry: DecodedEntry,
  now: number,
  journal: RepairJournal,
  times: ReadonlyMap<string, number> | undefined,
): boolean {
  if (entry.expiresAtMs <= now) return false
  if (entry.tags === undefined) return true
  return !journal.hasPendingTag(entry.tags) && times !== undefined && !isInvalidatedByTags(entry, times)
}

/**
 * Inside one guarded call: with `tags`, their tag keys are made to outlive the entries first (see
 * `tagKeyOf`); then the entries, in one `setMany` when the backend has it.
 */
export async function storeEntries(
  l2: L2Backend,
  keyPrefix: string,
  writes: readonly L2Write[],
  tags: readonly string[] | undefined,
): Promise<void> {
  if (tags !== undefined)
    await touchTags(l2, keyPrefix, tags, Math.max(...writes.map((write) => write.ttlMs)))
  if (writes.length === 1) {
    const { key, value, ttlMs } = writes[0] as L2Write
    await l2.set(key, value, ttlMs)
  } else if (l2.setMany !== undefined) await l2.setMany(writes)
  else await Promise.all(writes.map((write) => l2.set(write.key, write.value, write.ttlMs)))
}
