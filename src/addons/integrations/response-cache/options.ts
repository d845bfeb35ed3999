import {
  CacheConfigurationError,
  type Duration,
  parseDurationMs,
  type ResilientTwoLevelCache,
} from 'resilient-cache'

/**
 * Options of response caching, the same for Express, Fastify and Hono. What is stored and when is
 * described in the README ("Response caching"); in short: GET (and HEAD, served from the GET entry),
 * 2xx except 206, no `Cache-Control: no-store | no-cache | private`, no `Set-Cookie`, at most
 * `maxBodyBytes`.
 */
export interface ResponseCacheOptions {
  /** How long a stored response is served, more than 0. @default 60 (seconds) */
  ttl?: Duration
  /**
   * Which query parameters are part of the key: `true` for all of them (sorted by name, so their
   * order in the URL does not matter), `false` for none, or the names of those that matter.
   * @default true
   */
  query?: boolean | readonly string[]
  /**
   * Request headers that are part of the key (any case), e.g. `['accept-language']`. A response
   * whose `Vary` names a header that is not listed here is not stored, and a request with an
   * `Authorization` header is not cached at all unless `authorization` is listed.
   * @default []
   */
  headers?: readonly string[]
  /** Largest body stored, in bytes; a larger response is sent as usual but not stored. @default 1048576 (1 MiB) */
  maxBodyBytes?: number
  /** Name of the response header that says `HIT` or `MISS`; `false` sends none. @default 'X-Cache' */
  cacheHeader?: string | false
  /**
   * The cache that stores the responses.
   * @default the service's cache `http-responses`, created on first use with L1 on (1000 entries)
   */
  cache?: ResilientTwoLevelCache<unknown>
}

/** {@link ResponseCacheOptions} validated, with defaults filled in. */
export interface ResponseCachePolicy {
  ttlMs: number
  /** `true`: every parameter; `false`: none; a set: those names. */
  query: boolean | ReadonlySet<string>
  /** Lower-case names, sorted, without duplicates. */
  headers: readonly string[]
  maxBodyBytes: number
  /** Lower-case name, or `undefined` for none. */
  cacheHeader: string | undefined
  cache: ResilientTwoLevelCache<unknown> | undefined
}

/** Defaults of {@link ResponseCacheOptions}. */
export const RESPONSE_CACHE_DEFAULTS = {
  ttl: 60,
  query: true,
  headers: [] as readonly string[],
  maxBodyBytes: 1024 * 1024,
  cacheHeader: 'X-Cache',
} as const

/** Name of the cache the integrations create for responses when none is given. */
export const DEFAULT_RESPONSE_CACHE_NAME = 'http-responses'

const OPTION_NAMES = ['ttl', 'query', 'headers', 'maxBodyBytes', 'cacheHeader', 'cache']

// RFC 9110 token characters: what a header name may be made of.
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/**
 * Validates response-caching options at start-up, so that a typo fails the boot rather than
 * silently caching differently. Errors name the option as `<label>.<option>`.
 * @throws CacheConfigurationError for an unknown or invalid option.
 */
export function resolveResponseCachePolicy(
  options: ResponseCacheOptions | undefined,
  label = 'responseCache',
): ResponseCachePolicy {
  const given = options ?? {}
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw new CacheConfigurationError(label, 'expected an object of response caching options')
  }
  for (const name of Object.keys(given)) {
    if (!OPTION_NAMES.includes(name)) {
      throw new CacheConfigurationError(
        `${label}.${name}`,
        `unknown option; known: ${OPTION_NAMES.join(', ')}`,
      )
    }
  }
  return {
    ttlMs: parseDurationMs(given.ttl ?? RESPONSE_CACHE_DEFAULTS.ttl, `${label}.ttl`),
    query: resolveQuery(given.query, `${label}.query`),
    headers: resolveHeaderNames(given.headers, `${label}.headers`),
    maxBodyBytes: resolveMaxBodyBytes(given.maxBodyBytes, `${label}.maxBodyBytes`),
    cacheHeader: resolveCacheHeader(given.cacheHeader, `${label}.cacheHeader`),
    cache: resolveCache(given.cache, `${label}.cache`),
  }
}

function resolveQuery(value: unknown, label: string): boolean | ReadonlySet<string> {
  if (value === undefined) return RESPONSE_CACHE_DEFAULTS.query
  if (typeof value === 'boolean') return value
  if (Array.isArray(value) && value.every((name) => typeof name === 'string' && name !== '')) {
    return new Set(value as string[])
  }
  throw new CacheConfigurationError(label, 'expected true, false or an array of parameter names')
}

function resolveHeaderNames(value: unknown, label: string): readonly string[] {
  if (value === undefined) return RESPONSE_CACHE_DEFAULTS.headers
  if (!Array.isArray(value)) throw new CacheConfigurationError(label, 'expected an array of header names')
  for (const name of value) {
    if (typeof name !== 'string' || !HEADER_NAME.test(name)) {
      throw new CacheConfigurationError(label, `expected header names, got ${JSON.stringify(name)}`)
    }
  }
  return [...new Set((value as string[]).map((name) => name.toLowerCase()))].sort()
}

function resolveMaxBodyBytes(value: unknown, label: string): number {
  if (value === undefined) return RESPONSE_CACHE_DEFAULTS.maxBodyBytes
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value
  throw new CacheConfigurationError(
    label,
    `expected a whole number of bytes, 0 or more, got ${String(value)}`,
  )
}

function resolveCacheHeader(value: unknown, label: string): string | undefined {
  if (value === undefined) return RESPONSE_CACHE_DEFAULTS.cacheHeader.toLowerCase()
  if (value === false) return undefined
  if (typeof value === 'string' && HEADER_NAME.test(value)) return value.toLowerCase()
  throw new CacheConfigurationError(label, `expected a header name or false, got ${JSON.stringify(value)}`)
}

function resolveCache(value: unknown, label: string): ResilientTwoLevelCache<unknown> | undefined {
  if (value === undefined) return undefined
  const cache = value as Partial<ResilientTwoLevelCache<unknown>> | null
  // Duck-typed: a cache from another copy of this package is just as good.
  if (typeof cache?.get === 'function' && typeof cache.set === 'function' && typeof cache.name === 'string') {
    return value as ResilientTwoLevelCache<unknown>
  }
  throw new CacheConfigurationError(label, 'expected a cache created by CacheService.createCache()')
}
