import { createHash } from 'node:crypto'
import type { ResponseCachePolicy } from './options.js'

/** What the key is built from: the request as the framework saw it. */
export interface KeyedRequest {
  /** `GET` or `HEAD`; a HEAD request uses the GET entry, so both build the same key. */
  method: string
  /** Path and query as received (`/users/1?page=2`), percent-encoding untouched. */
  target: string
  /** A request header by lower-case name; repeated headers joined with `, `. */
  header(name: string): string | undefined
}

// Keys stay readable in Redis up to this length; longer ones (huge query strings) are hashed, which
// also keeps them well inside the 1 KiB key limit.
const MAX_READABLE_KEY_BYTES = 512

/**
 * The cache key of a request: `GET <path>[?<chosen query, sorted>]`, then one line per chosen header
 * (`name=<value, percent-encoded>`, or `name` alone when the request does not carry it, so that a
 * missing header and an empty one differ). Parts are separated by characters a request target cannot
 * contain, so two different requests cannot build the same key.
 */
export function buildResponseKey(request: KeyedRequest, policy: ResponseCachePolicy): string {
  const queryStart = request.target.indexOf('?')
  const path = queryStart === -1 ? request.target : request.target.slice(0, queryStart)
  let key = `GET ${path}`
  if (policy.query !== false && queryStart !== -1) {
    const query = selectQuery(request.target.slice(queryStart + 1), policy.query)
    if (query !== '') key += `?${query}`
  }
  for (const name of policy.headers) {
    const value = request.header(name)
    key += value === undefined ? `\n${name}` : `\n${name}=${encodeURIComponent(value)}`
  }
  if (Buffer.byteLength(key) <= MAX_READABLE_KEY_BYTES) return key
  return `GET #${createHash('sha256').update(key).digest('hex')}`
}

/** The chosen parameters, sorted by name (stable: repeated names keep their order), re-encoded. */
function selectQuery(rawQuery: string, chosen: true | ReadonlySet<string>): string {
  const params = new URLSearchParams(rawQuery)
  if (chosen !== true) {
    for (const name of [...params.keys()]) if (!chosen.has(name)) params.delete(name)
  }
  params.sort()
  return params.toString()
}
