import type { DecodedEntry } from '../backends/l2/entry-format.js'
import type { L2Backend } from '../backends/l2/l2-backend.js'
import { tagKeyOf } from '../kernel/tags.js'
import type { L2Budget } from '../resilience/l2-budget.js'
import { L2_FAILED, type L2Caller, type L2Guard } from '../resilience/l2-guard.js'
import type { RepairJournal } from '../resilience/repair-journal.js'

/** The backend's abilities tags need, when it has them. */
export type TagCapableBackend = L2Backend & Required<Pick<L2Backend, 'touchMany' | 'replaceExisting'>>

/** Whether a backend can keep tag keys (see {@link L2Backend.touchMany}). */
export function supportsTags(backend: L2Backend): backend is TagCapableBackend {
  return typeof backend.touchMany === 'function' && typeof backend.replaceExisting === 'function'
}

/**
 * How much longer than the entry a tag key is made to live: the tag key is touched just before the
 * entry is written, so without a margin it could expire a few ms before the entry.
 */
const TAG_KEY_MARGIN_MS = 60_000

/** Makes the tag keys of `tags` outlive an entry kept `l2TtlMs` (inside a guarded call). */
export function touchTags(l2: L2Backend, keyPrefix: string, tags: readonly string[], l2TtlMs: number) {
  const tagKeys = tags.map((tag) => tagKeyOf(keyPrefix, tag))
  return (l2 as TagCapableBackend).touchMany(tagKeys, l2TtlMs + TAG_KEY_MARGIN_MS)
}

/** Records a `deleteByTag` of `tags` at `atMs` in the tag keys that exist (inside a guarded call). */
export function markTags(l2: L2Backend, keyPrefix: string, tags: readonly string[], atMs: number) {
  const tagKeys = tags.map((tag) => tagKeyOf(keyPrefix, tag))
  return (l2 as TagCapableBackend).replaceExisting(tagKeys, String(atMs))
}

/** The stored bytes of many keys: `getMany` when the backend has it, else a `get` per key, concurrently. */
export function getManyOf(l2: L2Backend, keys: readonly string[]): Promise<Array<Uint8Array | null>> {
  if (l2.getMany !== undefined) return l2.getMany(keys)
  return Promise.all(keys.map((key) => l2.get(key)))
}

/** When each tag was last invalidated (ms since the epoch, 0 for never), read from L2 in one call. */
export async function readTagTimes(
  l2: L2Backend,
  keyPrefix: string,
  tags: readonly string[],
): Promise<Map<string, number>> {
  const times = new Map<string, number>()
  if (tags.length === 0) return times
  const stored = await getManyOf(
    l2,
    tags.map((tag) => tagKeyOf(keyPrefix, tag)),
  )
  for (let i = 0; i < tags.length; i++) {
    const bytes = stored[i]
    const time = bytes == null ? 0 : Number(Buffer.from(bytes).toString('latin1'))
    times.set(tags[i] as string, Number.isFinite(time) ? time : 0)
  }
  return times
}

/** Whether a `deleteByTag` made at or after the entry's write covers it. */
export function isInvalidatedByTags(entry: DecodedEntry, times: ReadonlyMap<string, number>): boolean {
  const { tags, writtenAtMs } = entry
  if (tags === undefined || writtenAtMs === undefined) return false
  for (const tag of tags) if ((times.get(tag) ?? 0) >= writtenAtMs) return true
  return false
}

/**
 * Whether no `deleteByTag` covers a tagged entry: none pending in `journal`, none recorded in L2 since
 * its write (read within `budget`). `false` when L2 cannot tell: an entry that may be invalidated is
 * never served.
 */
export async function tagsStillValid(
  guard: L2Guard,
  caller: L2Caller,
  journal: RepairJournal,
  keyPrefix: string,
  entry: DecodedEntry,
  budget: L2Budget | undefined,
): Promise<boolean> {
  const tags = entry.tags as readonly string[]
  if (journal.hasPendingTag(tags)) return false
  const times = await guard.run('getTags', (l2) => readTagTimes(l2, keyPrefix, tags), caller, budget)
  return times !== L2_FAILED && !isInvalidatedByTags(entry, times)
}
