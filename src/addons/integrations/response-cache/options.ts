import {
  CacheConfigurationError,
  type Duration,
  parseDurationMs,
  type ResilientTwoLevelCache,
} from 'resilient-cache'

/**
 * Options of response caching, the same for Express, Fastify and Hono. What is stored and when is
 * described in docs/response-caching.md; in short, as a shared cache (RFC 9111) does: GET
 * (and HEAD, served from the GET entry) without `Cookie` or `Authorization`, 2xx except 206, fresh
 * by its `Cache-Control`/`Expires`, no `Cache-Control: no-store | no-cache | private`, no
 * `Set-Cookie`, at most `maxBodyBytes`.
 */
export interface ResponseCacheOptions {
  /**
   * How long a stored response is served at most, more than 0: the lifetime when the response does
   * not give one, and the upper bound when it does (`s-maxage`, `max-age`, `Expires`).
   * @default 60 (seconds)
   */
  ttl?: Duration
  /**
   * Which query parameters are part of the key: `true` for all of them (sorted by name, so their
   * order in the URL does not matter), `false` for none, or the names of those that matter.
   * @default true
   */
  query?: boolean | readonly string[]
  /**
   * Request headers that are part of the key (any case), e.g. `['accept-language']`; their values
   * are SHA-256 hashed in the key. A response whose `Vary` names a header that is not listed here is
   * not stored, and a request with a `Cookie` or `Authorization` header is not cached at all unless
   * that header is listed (then each credential or cookie set gets entries of its own).
   * @default []
   */
  headers?: readonly string[]
  /**
   * Names of cookies that do not change the response (analytics, consent...): a request whose
   * cookies are all listed here is cached as if it had none. Any other cookie makes it bypass.
   * @default []
   */
  ignoreCookies?: readonly string[]
  /**
   * Share entries between host names. By default the host (as the framework resolves it, trusting
   * `X-Forwarded-Host` only under its trust-proxy setting) is part of the key, so that a page built
   * for one host, or with a forged `Host` header, is never served to another.
   * @default false
   */
  shareAcrossHosts?: boolean
  /**
   * L2 prefix of the store the responses go to, when `cache` is not given: routes with the same
   * prefix share one store. Two applications on one Redis must not share it.
   * @default the `CACHE_HTTP_PREFIX` setting, else `http:<name in the app's package.json>` (see
   * docs/response-caching.md)
   */
  keyPrefix?: string
  /** Largest body stored, in bytes; a larger response is sent as usual but not stored. @default 1048576 (1 MiB) */
  maxBodyBytes?: number
  /** Name of the response header that says `HIT`, `MISS` or `BYPASS`; `false` sends none. @default 'X-Cache' */
  cacheHeader?: string | false
  /**
   * The cache that stores the responses (then `keyPrefix` does not apply).
   * @default the service's cache named `keyPrefix`, created at route set-up with L1 on (10000
   * entries, 64 MiB)
   */
  cache?: ResilientTwoLevelCache<unknown>
  // Route tags (purge every page of a tag with deleteByTag) belong here once caches have tags.
}

/** {@link ResponseCacheOptions} validated, with defaults filled in. */
export interface ResponseCachePolicy {
  ttlMs: number
  /** `true`: every parameter; `false`: none; a set: those names. */
  query: boolean | ReadonlySet<string>
  /** Lower-case names, sorted, without duplicates. */
  headers: readonly string[]
  ignoreCookies: ReadonlySet<string>
  shareAcrossHosts: boolean
  /** `undefined`: the integration's default prefix. */
  keyPrefix: string | undefined
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
  ignoreCookies: [] as readonly string[],
  shareAcrossHosts: false,
  maxBodyBytes: 1024 * 1024,
  cacheHeader: 'X-Cache',
} as const

const OPTION_NAMES = [
  'ttl',
  'query',
  'headers',
  'ignoreCookies',
  'shareAcrossHosts',
  'keyPrefix',
  'maxBodyBytes',
  'cacheHeader',
  'cache',
]

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
    ignoreCookies: new Set(resolveCookieNames(given.ignoreCookies, `${label}.ignoreCookies`)),
    shareAcrossHosts: resolveShareAcrossHosts(given.shareAcrossHosts, `${label}.shareAcrossHosts`),
    keyPrefix: resolveKeyPrefix(given.keyPrefix, given.cache, label),
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

function resolveCookieNames(value: unknown, label: string): readonly string[] {
  if (value === undefined) return RESPONSE_CACHE_DEFAULTS.ignoreCookies
  if (Array.isArray(value) && value.every((name) => typeof name === 'string' && HEADER_NAME.test(name))) {
    return value as string[]
  }
  throw new CacheConfigurationError(label, `expected an array of cookie names, got ${JSON.stringify(value)}`)
}

function resolveShareAcrossHosts(value: unknown, label: string): boolean {
  if (value === undefined) return RESPONSE_CACHE_DEFAULTS.shareAcrossHosts
  if (typeof value === 'boolean') return value
  throw new CacheConfigurationError(label, `expected true or false, got ${JSON.stringify(value)}`)
}

function resolveKeyPrefix(value: unknown, cache: unknown, label: string): string | undefined {
  if (value === undefined) return undefined
  if (cache !== undefined) {
    throw new CacheConfigurationError(
      `${label}.keyPrefix`,
      'cannot be combined with cache, which has its own prefix',
    )
  }
  if (isValidKeyPrefix(value)) return value
  throw new CacheConfigurationError(
    `${label}.keyPrefix`,
    `expected a non-empty prefix without '::' that does not end with ':', got ${JSON.stringify(value)}`,
  )
}

/** The rule of `l2KeyPrefix`, checked here too so that the error names the response cache option. */
export function isValidKeyPrefix(value: unknown): value is string {
  return typeof value === 'string' && value !== '' && !value.includes('::') && !value.endsWith(':')
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
