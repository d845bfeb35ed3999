import type { HeaderEntries } from './headers.js'

/**
 * A response as it is kept in the cache. Plain data only (numbers, strings, arrays), so that every
 * serializer stores it, `json` included. The body keeps its exact bytes: valid UTF-8 is stored as
 * text (readable in Redis, no size overhead), anything else as base64.
 */
export interface StoredResponse {
  /** Record format; a record of another version is ignored (a miss). */
  v: 2
  status: number
  /** Lower-case names; a repeated header once per value. */
  headers: HeaderEntries
  body: string
  bodyEncoding: 'utf8' | 'base64'
  /** When the response was stored, epoch milliseconds: the hit's `Age` header comes from it. */
  storedAt: number
  /** The response's own age when stored (its `Age`, in seconds), added to the time since `storedAt`. */
  initialAge: number
}

// Never replayed from the cache: hop-by-hop headers belong to one connection; Content-Length and Date
// are recomputed for each hit; Set-Cookie never gets this far.
const NOT_STORED_HEADERS = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'content-length',
  'date',
  'age',
  'set-cookie',
])

// fatal: invalid UTF-8 throws instead of being replaced; ignoreBOM: a leading BOM is kept as a byte.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** Builds the record of a finished response; `cacheHeader` (the HIT/MISS header) is left out. */
export function toStoredResponse(
  status: number,
  headers: HeaderEntries,
  body: Uint8Array,
  storedAt: number,
  initialAge: number,
  cacheHeader: string | undefined,
): StoredResponse {
  const kept = headers.filter(([name]) => !NOT_STORED_HEADERS.has(name) && name !== cacheHeader)
  let text: string | undefined
  try {
    text = strictUtf8.decode(body)
  } catch {
    text = undefined
  }
  return text === undefined
    ? {
        v: 2,
        status,
        headers: kept,
        body: Buffer.from(body).toString('base64'),
        bodyEncoding: 'base64',
        storedAt,
        initialAge,
      }
    : { v: 2, status, headers: kept, body: text, bodyEncoding: 'utf8', storedAt, initialAge }
}

/** The exact bytes of the stored body. */
export function storedBody(response: StoredResponse): Buffer {
  return Buffer.from(response.body, response.bodyEncoding)
}

/**
 * Whether a cached value is a record this version can serve. Anything else (another writer under the
 * same prefix, an older format) is treated as a miss and overwritten by the next store.
 */
export function isStoredResponse(value: unknown): value is StoredResponse {
  if (typeof value !== 'object' || value === null) return false
  const record = value as Partial<StoredResponse>
  return (
    record.v === 2 &&
    typeof record.status === 'number' &&
    typeof record.body === 'string' &&
    (record.bodyEncoding === 'utf8' || record.bodyEncoding === 'base64') &&
    typeof record.storedAt === 'number' &&
    typeof record.initialAge === 'number' &&
    Array.isArray(record.headers) &&
    record.headers.every(
      (entry) => Array.isArray(entry) && typeof entry[0] === 'string' && typeof entry[1] === 'string',
    )
  )
}
