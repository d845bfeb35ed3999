import { type HeaderEntries, headerValues } from './headers.js'
import type { KeyedRequest } from './key.js'
import type { ResponseCachePolicy } from './options.js'

/** Why a response was not stored. */
export type NotStoredReason =
  | 'status'
  | 'no-store'
  | 'no-cache'
  | 'private'
  | 'set-cookie'
  | 'vary'
  | 'event-stream'
  | 'too-large'
  | 'stream'
  | 'aborted'

/**
 * Whether the cache takes part in this request at all. Only GET and HEAD; not a `Range` request
 * (its 206 answer is a slice of the resource); not a request with credentials in `Authorization`
 * unless that header is part of the key, since the answer is likely that user's own.
 */
export function isCacheableRequest(request: KeyedRequest, policy: ResponseCachePolicy): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false
  if (request.header('range') !== undefined) return false
  return request.header('authorization') === undefined || policy.headers.includes('authorization')
}

/**
 * Decides from the status and headers alone, before any body byte, whether a response may be stored,
 * so that requests waiting on it are released at once when it may not. `undefined` means "store it if
 * the body fits".
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
    if (name === '*' || !policy.headers.includes(name)) return 'vary'
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
function listValues(headers: HeaderEntries, name: string): string[] {
  const items: string[] = []
  for (const value of headerValues(headers, name)) {
    for (const item of value.split(',')) {
      const trimmed = item.trim().toLowerCase()
      if (trimmed !== '') items.push(trimmed)
    }
  }
  return items
}
