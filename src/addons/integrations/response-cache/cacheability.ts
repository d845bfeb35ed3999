import { type HeaderEntries, headerValues } from './headers.js'
import type { KeyedRequest } from './key.js'
import type { ResponseCachePolicy } from './options.js'

/** Why a request was neither served from the cache nor stored (`X-Cache: BYPASS`). */
export type BypassReason = 'method' | 'range' | 'authorization' | 'cookie'

/** Why a response was not stored. */
export type NotStoredReason =
  | 'status'
  | 'no-store'
  | 'no-cache'
  | 'private'
  | 'set-cookie'
  | 'vary'
  | 'expired'
  | 'not-storable'
  | 'event-stream'
  | 'too-large'
  | 'stream'
  | 'aborted'

/**
 * Why the cache takes no part in this request, or `undefined` when it does. Only GET and HEAD; not
 * a `Range` request (its 206 answer is a slice of the resource); not a request with credentials in
 * `Authorization` or a `Cookie` (other than the ignored ones) unless that header is part of the key:
 * the answer is likely that user's own, and must neither be served to them from another user's entry
 * nor stored for others.
 */
export function bypassReason(request: KeyedRequest, policy: ResponseCachePolicy): BypassReason | undefined {
  if (request.method !== 'GET' && request.method !== 'HEAD') return 'method'
  if (request.header('range') !== undefined) return 'range'
  if (request.header('authorization') !== undefined && !policy.headers.includes('authorization')) {
    return 'authorization'
  }
  const cookie = request.header('cookie')
  if (cookie !== undefined && !policy.headers.includes('cookie') && hasRelevantCookie(cookie, policy)) {
    return 'cookie'
  }
  return undefined
}

/** Whether a `Cookie` header carries a cookie that is not in `ignoreCookies` (an empty one does not). */
function hasRelevantCookie(header: string, policy: ResponseCachePolicy): boolean {
  for (const pair of header.split(';')) {
    const trimmed = pair.trim()
    if (trimmed === '') continue
    const equals = trimmed.indexOf('=')
    const name = (equals === -1 ? trimmed : trimmed.slice(0, equals)).trim()
    if (!policy.ignoreCookies.has(name)) return true
  }
  return false
}

/**
 * Decides from the status and headers alone, before any body byte, whether a response may be stored,
 * so that requests waiting on it are released at once when it may not. `undefined` means "store it if
 * it is fresh (see `freshness.ts`) and the body fits".
 */
export function notStoredByHeaders(
  status: number,
  headers: HeaderEntries,
  policy: ResponseCachePolicy,
): NotStoredReason | undefined {
  // 206 is the answer to a Range request: a slice, not the resource.
  if (status < 200 || status > 299 || status === 206) return 'status'
  const directives = cacheControlDirectives(headers)
  if (directives.has('no-store')) return 'no-store'
  // no-cache lets a cache keep the response only to revalidate it first; this cache cannot revalidate.
  if (directives.has('no-cache')) return 'no-cache'
  if (directives.has('private')) return 'private'
  if (headerValues(headers, 'set-cookie').length > 0) return 'set-cookie'
  for (const name of listValues(headers, 'vary')) {
    // Vary: * or a header the key ignores: another request could get an answer not meant for it.
    if (name === '*' || !(policy.headers.includes(name) || (name === 'host' && !policy.shareAcrossHosts))) {
      return 'vary'
    }
  }
  if (listValues(headers, 'content-type').some((type) => type.startsWith('text/event-stream'))) {
    return 'event-stream'
  }
  const length = Number(headerValues(headers, 'content-length')[0])
  if (Number.isFinite(length) && length > policy.maxBodyBytes) return 'too-large'
  return undefined
}

/** Directive names of every `Cache-Control` header, lower case, arguments dropped. */
function cacheControlDirectives(headers: HeaderEntries): Set<string> {
  return new Set(
    listValues(headers, 'cache-control').map((directive) => directive.split('=')[0]?.trim() ?? ''),
  )
}

/** The comma-separated items of every value of a header, trimmed and lower case. */
export function listValues(headers: HeaderEntries, name: string): string[] {
  const items: string[] = []
  for (const value of headerValues(headers, name)) {
    for (const item of value.split(',')) {
      const trimmed = item.trim().toLowerCase()
      if (trimmed !== '') items.push(trimmed)
    }
  }
  return items
}
