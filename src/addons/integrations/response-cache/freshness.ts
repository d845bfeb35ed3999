import CachePolicy from 'http-cache-semantics'
import { listValues, type NotStoredReason } from './cacheability.js'
import { type HeaderEntries, headerValues } from './headers.js'
import type { KeyedRequest } from './key.js'
import type { ResponseCachePolicy } from './options.js'

/** How long a response may be served from the cache, and how old it already was when stored. */
export interface Freshness {
  /** Lifetime in the cache, more than 0, at most the route's `ttl`. */
  ttlMs: number
  /** The response's own age when stored (its `Age` header), in seconds. */
  initialAgeSeconds: number
}

// Request headers a shared cache weighs; Authorization is left out on purpose: it reaches this point
// only when it is part of the key, which makes each entry that credential's own.
const REQUEST_HEADERS = ['cache-control', 'pragma', 'host']

/**
 * Storability and freshness as a shared cache (RFC 9111) judges them, by `http-cache-semantics` in
 * shared mode: `s-maxage` over `max-age` over `Expires`, `Age`, `no-store`, `private`,
 * `must-revalidate`. The route's `ttl` is the lifetime when the response gives none and the upper
 * bound when it does; a response already stale (`max-age=0`, `s-maxage=0`, `Expires` in the past) is
 * not stored, since this cache serves nothing stale and cannot revalidate.
 */
export function assessFreshness(
  request: KeyedRequest,
  status: number,
  headers: HeaderEntries,
  policy: ResponseCachePolicy,
): Freshness | { notStored: NotStoredReason } {
  const requestHeaders: Record<string, string> = {}
  for (const name of REQUEST_HEADERS) {
    const value = request.header(name)
    if (value !== undefined) requestHeaders[name] = value
  }
  const responseHeaders: Record<string, string> = {}
  for (const [name, value] of headers) {
    responseHeaders[name] = name in responseHeaders ? `${responseHeaders[name]}, ${value}` : value
  }
  const semantics = new CachePolicy(
    { method: 'GET', url: request.target, headers: requestHeaders },
    { status, headers: responseHeaders },
    { shared: true },
  )
  if (!semantics.storable()) return { notStored: 'not-storable' }
  const initialAgeSeconds = Math.max(0, Math.floor(semantics.age()))
  if (!hasExplicitLifetime(headers)) return { ttlMs: policy.ttlMs, initialAgeSeconds }
  const ttlMs = Math.min(policy.ttlMs, semantics.timeToLive())
  if (ttlMs <= 0) return { notStored: 'expired' }
  return { ttlMs, initialAgeSeconds }
}

/** Whether the response says how long it stays fresh, rather than leaving it to heuristics. */
function hasExplicitLifetime(headers: HeaderEntries): boolean {
  if (headerValues(headers, 'expires').length > 0) return true
  return listValues(headers, 'cache-control').some((directive) => {
    const name = directive.split('=')[0]?.trim()
    return name === 'max-age' || name === 's-maxage'
  })
}
