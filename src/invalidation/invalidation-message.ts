/**
 * The bus's wire format. Messages carry keys only, never values, and name the sending service so it
 * can ignore its own. The version is part of the channel name: two releases with different formats
 * run side by side without misreading each other (each simply does not hear the other).
 */
export const INVALIDATION_CHANNEL = 'resilient-cache:invalidation:v1'

/**
 * One bus message: `keys` of cache `cache` changed, or the whole cache when `keys` is `null`; and the
 * entries carrying one of `tags` were invalidated (`deleteByTag`), when present.
 */
export interface InvalidationMessage {
  sender: string
  cache: string
  keys: readonly string[] | null
  tags?: readonly string[]
}

/**
 * `[sender, cache, keys | null]` as JSON: compact, and safe for any key; `[..., tags]` when tags were
 * invalidated (a release without tags ignores such a message, as it ignores any it cannot read).
 */
export function encodeInvalidation(message: InvalidationMessage): string {
  const { sender, cache, keys, tags } = message
  return JSON.stringify(
    tags === undefined || tags.length === 0 ? [sender, cache, keys] : [sender, cache, keys, tags],
  )
}

/** The message, or `undefined` for anything that is not one (another program on the channel). */
export function decodeInvalidation(payload: string): InvalidationMessage | undefined {
  let parsed: unknown
  try {
    parsed = JSON.parse(payload)
  } catch {
    return undefined
  }
  if (!Array.isArray(parsed) || (parsed.length !== 3 && parsed.length !== 4)) return undefined
  const [sender, cache, keys, tags] = parsed as [unknown, unknown, unknown, unknown]
  if (typeof sender !== 'string' || typeof cache !== 'string') return undefined
  if (keys !== null && !isStringArray(keys)) return undefined
  if (parsed.length === 3) return { sender, cache, keys }
  if (!isStringArray(tags)) return undefined
  return { sender, cache, keys, tags }
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string')
}
