/**
 * Joins a cache's prefix and a key in Redis. Prefixes may not contain it nor end with `:`, so the
 * first `::` of a Redis key always ends its prefix: key `b::x` of cache `a` (`a::b::x`) and key `x` of
 * cache `a:b` (`a:b::x`) can never meet, and `SCAN MATCH a::*` never reaches cache `a:b`.
 */
export const KEY_SEPARATOR = '::'

/** Longest Redis key (prefix, separator and key), in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024

const GLOB_SPECIAL = /[*?[\]\\]/g

/** Escapes the characters that `SCAN MATCH` treats as glob syntax, so they match themselves. */
export function escapeGlob(text: string): string {
  return text.replace(GLOB_SPECIAL, '\\$&')
}

/**
 * Throws a `TypeError` naming the key unless it is a non-empty, well-formed string whose Redis form
 * fits {@link MAX_KEY_BYTES}. `prefixBytes` is the UTF-8 length of the prefix and separator.
 */
export function assertValidKey(key: unknown, prefixBytes: number): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new TypeError(`Cache key must be a non-empty string, got ${describe(key)}`)
  }
  // Redis stores keys as UTF-8, where a lone surrogate becomes U+FFFD: two keys that L1 tells apart
  // would share one Redis key. `isWellFormed` is Node 20+.
  if (!key.isWellFormed()) {
    throw new TypeError(
      `Cache key must be well-formed Unicode (no lone UTF-16 surrogate), got ${JSON.stringify(key.slice(0, 40))}`,
    )
  }
  // A UTF-16 unit is at most 3 UTF-8 bytes: only long keys need the exact count.
  if (prefixBytes + key.length * 3 > MAX_KEY_BYTES && prefixBytes + Buffer.byteLength(key) > MAX_KEY_BYTES) {
    throw new TypeError(
      `Cache key '${key.slice(0, 40)}...' is ${Buffer.byteLength(key)} bytes; with its prefix it must fit ${MAX_KEY_BYTES} bytes`,
    )
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return "'' (an empty string)"
  if (value === null) return 'null'
  return typeof value
}
