import { createHash } from 'node:crypto'
import type { ResponseCachePolicy } from './options.js'

/** What the key is built from: the request as the framework saw it. */
export interface KeyedRequest {
  /** `GET` or `HEAD`; a HEAD request uses the GET entry, so both build the same key. */
  method: string
  /** Path and query as received (`/users/1?page=2`), percent-encoding untouched. */
  target: string
  /**
   * The host the request is for, as the framework resolves it (`example.com:8080`): from `Host`, or
   * from `X-Forwarded-Host` only when the app trusts its proxy. `undefined` when there is none.
   */
  host: string | undefined
  /** A request header by lower-case name; repeated headers joined with `, `. */
  header(name: string): string | undefined
}

// Keys stay readable in Redis up to this length; longer ones (huge query strings) are hashed, which
// also keeps them well inside the 1 KiB key limit.
const MAX_READABLE_KEY_BYTES = 512

/** The host part of keys: the request's host, lower case and percent-encoded, or `*` when shared. */
export function keyHost(host: string | undefined, policy: ResponseCachePolicy): string {
  return policy.shareAcrossHosts ? '*' : encodeHost(host)
}

/** A host as keys spell it; also used by purge, so both sides agree. */
export function encodeHost(host: string | undefined): string {
  return encodeURIComponent((host ?? '').toLowerCase())
}

/** The path of a request target, without its query. */
export function targetPath(target: string): string {
  const queryStart = target.indexOf('?')
  return queryStart === -1 ? target : target.slice(0, queryStart)
}

/**
 * The cache key of a request: `GET <host> <path>[?<chosen query, sorted>] @<version>`, then one line
 * per chosen header (`name=<SHA-256 of the value>`, or `name` alone when the request does not carry
 * it, so that a missing header and an empty one differ). Header values are hashed so that no
 * credential or cookie reaches Redis, the invalidation bus or a log line. `version` is the URL's
 * purge version (see `url-versions.ts`). Parts are separated by characters a request target cannot
 * contain, so two different requests cannot build the same key.
 */
export function buildResponseKey(
  request: KeyedRequest,
  policy: ResponseCachePolicy,
  version: string,
): string {
  const queryStart = request.target.indexOf('?')
  let key = `GET ${keyHost(request.host, policy)} ${targetPath(request.target)}`
  if (policy.query !== false && queryStart !== -1) {
    const query = selectQuery(request.target.slice(queryStart + 1), policy.query)
    if (query !== '') key += `?${query}`
  }
  key += ` @${version}`
  for (const name of policy.headers) {
    const value = request.header(name)
    key += value === undefined ? `\n${name}` : `\n${name}=${sha256(value)}`
  }
  return readableOrHashed('GET', key)
}

/** `key` itself when short enough, else `<kind> #<SHA-256 of key>`. */
export function readableOrHashed(kind: string, key: string): string {
  if (Buffer.byteLength(key) <= MAX_READABLE_KEY_BYTES) return key
  return `${kind} #${sha256(key)}`
}

/** Hex SHA-256 of a text. */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
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
