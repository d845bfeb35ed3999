/**
 * Tag keys start with the separator, as lock keys do: no cache key (`<prefix>::<key>`) can equal one,
 * and `clear()` (which scans `<prefix>::*`) leaves them to expire on their own.
 */
export const TAG_KEY_PREFIX = '::tag::'

/**
 * The L2 key of one tag of one cache (`keyPrefix` is `<l2KeyPrefix>::`). It holds the time of the tag's
 * last `deleteByTag` (`'0'`: none yet) and lives at least as long as the longest entry written with the
 * tag: every tagged write makes it live that long first, so it expires with the entries it describes.
 */
export function tagKeyOf(keyPrefix: string, tag: string): string {
  return TAG_KEY_PREFIX + keyPrefix + tag
}

/** Most tags one `set` / `getOrSet` gives an entry. */
export const MAX_TAGS_PER_ENTRY = 255

/** Longest tag, in UTF-8 bytes. */
export const MAX_TAG_BYTES = 512

/** Most tags one `deleteByTag` call invalidates. */
export const MAX_TAGS_PER_DELETE = 10_000

/**
 * The `tags` option of a write, checked: `undefined` when absent or empty, else the tags without
 * duplicates. Throws a `TypeError` naming the call and the index of a tag that is not a non-empty string
 * of at most {@link MAX_TAG_BYTES} bytes.
 */
export function resolveEntryTags(tags: unknown, call: string): readonly string[] | undefined {
  if (tags === undefined) return undefined
  const list = checkTagList(tags, call, 'tags', MAX_TAGS_PER_ENTRY)
  return list.length === 0 ? undefined : list
}

/** The argument of `deleteByTag` (one tag or an array of them), checked and without duplicates. */
export function resolveTagsToDelete(tags: unknown): readonly string[] {
  return checkTagList(typeof tags === 'string' ? [tags] : tags, 'deleteByTag', 'tags', MAX_TAGS_PER_DELETE)
}

function checkTagList(tags: unknown, call: string, label: string, max: number): string[] {
  if (!Array.isArray(tags)) {
    throw new TypeError(`${call}: ${label} must be an array of strings, got ${describe(tags)}`)
  }
  if (tags.length > max) {
    throw new TypeError(`${call}: ${label} may hold at most ${max} tags, got ${tags.length}`)
  }
  for (let index = 0; index < tags.length; index++) {
    const tag: unknown = tags[index]
    if (typeof tag !== 'string' || tag.length === 0) {
      throw new TypeError(`${call}: ${label}[${index}] must be a non-empty string, got ${describe(tag)}`)
    }
    if (tag.length * 3 > MAX_TAG_BYTES && Buffer.byteLength(tag) > MAX_TAG_BYTES) {
      throw new TypeError(`${call}: ${label}[${index}] is longer than ${MAX_TAG_BYTES} bytes`)
    }
  }
  return tags.length < 2 ? (tags as string[]) : [...new Set(tags as string[])]
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value === 'string') return "'' (an empty string)"
  return Array.isArray(value) ? 'an array' : typeof value
}
