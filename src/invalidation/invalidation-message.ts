/**
 * The bus's wire format. Messages carry keys only, never values, and name the sending service so it
 * can ignore its own. The version is part of the channel name: two releases with different formats
 * run side by side without misreading each other (each simply does not hear the other).
 */
export const INVALIDATION_CHANNEL = 'resilient-cache:invalidation:v1'

/** One bus message: `keys` of cache `cache` changed, or the whole cache when `keys` is `null`. */
export interface InvalidationMessage {
  sender: string
  cache: string
  keys: readonly string[] | null
}

/** `[sender, cache, keys | null]` as JSON: compact, and safe for any key. */
export function encodeInvalidation(message: InvalidationMessage): string {
  return JSON.stringify([message.sender, message.cache, message.keys])
}

/** The message, or `undefined` for anything that is not one (another program on the channel). */
export function decodeInvalidation(payload: string): InvalidationMessage | undefined {
  let parsed: unknown
  try {
    parsed = JSON.parse(payload)
  } catch {
    return undefined
  }
  if (!Array.isArray(parsed) || parsed.length !== 3) return undefined
  const [sender, cache, keys] = parsed as [unknown, unknown, unknown]
  if (typeof sender !== 'string' || typeof cache !== 'string') return undefined
  if (keys === null) return { sender, cache, keys: null }
  if (!Array.isArray(keys) || !keys.every((key) => typeof key === 'string')) return undefined
  return { sender, cache, keys }
}
