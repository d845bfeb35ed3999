import { type HeaderEntries, headerValues } from './headers.js'
import type { KeyedRequest } from './key.js'

// What a 304 carries (RFC 9110, 15.4.5): the headers a 200 would have had that describe the
// representation's validators and caching, never its body (no Content-Type, no Content-Length).
const NOT_MODIFIED_HEADERS = new Set([
  'cache-control',
  'content-location',
  'etag',
  'expires',
  'vary',
  'last-modified',
])

/**
 * Whether a conditional GET or HEAD is answered `304 Not Modified` by a stored response (RFC 9110,
 * 13.1): `If-None-Match` (`*` or a list of entity tags, compared weakly) against its `ETag`; without
 * `If-None-Match`, `If-Modified-Since` against its `Last-Modified`.
 */
export function isNotModified(request: KeyedRequest, stored: HeaderEntries): boolean {
  const ifNoneMatch = request.header('if-none-match')
  if (ifNoneMatch !== undefined) {
    const etag = headerValues(stored, 'etag')[0]
    if (etag === undefined) return false
    const wanted = ifNoneMatch.split(',').map((tag) => tag.trim())
    return wanted.includes('*') || wanted.some((tag) => weakTag(tag) === weakTag(etag))
  }
  const ifModifiedSince = request.header('if-modified-since')
  const lastModified = headerValues(stored, 'last-modified')[0]
  if (ifModifiedSince === undefined || lastModified === undefined) return false
  const since = Date.parse(ifModifiedSince)
  const modified = Date.parse(lastModified)
  return Number.isFinite(since) && Number.isFinite(modified) && modified <= since
}

/** The stored headers a 304 answer keeps. */
export function notModifiedHeaders(stored: HeaderEntries): HeaderEntries {
  return stored.filter(([name]) => NOT_MODIFIED_HEADERS.has(name))
}

/** An entity tag without its weakness marker: the weak comparison of RFC 9110, 8.8.3.2. */
function weakTag(tag: string): string {
  return tag.trim().replace(/^W\//, '')
}
