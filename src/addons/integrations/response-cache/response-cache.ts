import type { CacheService, Logger, ResilientTwoLevelCache } from 'resilient-cache'
import { SingleFlight } from '../../../loading/single-flight.js'
import { type BypassReason, bypassReason } from './cacheability.js'
import { isNotModified, notModifiedHeaders } from './conditional.js'
import type { HeaderEntries } from './headers.js'
import { buildResponseKey, encodeHost, type KeyedRequest, keyHost, targetPath } from './key.js'
import { type ResponseCachePolicy, resolveResponseCachePolicy } from './options.js'
import { ResponseRecorder } from './recorder.js'
import { ResponseCacheCounters, type ResponseCacheStats } from './response-cache-stats.js'
import { isStoredResponse, type StoredResponse, storedBody, toStoredResponse } from './stored-response.js'
import { bumpVersion, hostVersionKey, pathVersionKey, readUrlVersion } from './url-versions.js'

export type { ResponseCacheStats } from './response-cache-stats.js'

/** A hit, ready to send: the stored response, or a `304` without body. */
export interface HitResponse {
  status: number
  headers: HeaderEntries
  body: Buffer
}

/** What a framework adapter does with a request. */
export type Admission =
  /** Not cached: run the handler, with `X-Cache: BYPASS`. */
  | { kind: 'bypass'; reason: BypassReason }
  /** Send this response (`X-Cache: HIT`); the handler does not run. */
  | { kind: 'hit'; response: StoredResponse }
  /** Run the handler (`X-Cache: MISS`); when a recorder is given, feed it the response. */
  | { kind: 'miss'; recorder: ResponseRecorder | undefined }

/** Which entries `purge` removes. */
export interface PurgeOptions {
  /**
   * Only the entries of this host (as requests name it, with the port if they give one); without
   * it, those of every host.
   */
  host?: string
}

// Most entries and bytes the L1 of the default store holds: a flood of distinct URLs evicts old
// pages instead of growing the heap.
const DEFAULT_STORE_L1 = { l1MaxSize: 10_000, l1MaxBytes: 64 * 1024 * 1024 }

// Only its store and ttl matter: the default store, and version tokens that outlive default entries.
const DEFAULT_POLICY_FOR_PURGE = resolveResponseCachePolicy({})

/**
 * The framework-neutral part of response caching: looks requests up, lets concurrent misses of one
 * key share one handler run (the first request runs it and the others wait for its response, within
 * this process), stores what may be stored, and purges. One per integration instance; each route
 * brings its own {@link ResponseCachePolicy}.
 */
export class ResponseCache {
  readonly #service: CacheService
  readonly #logger: Logger
  readonly #defaultPrefix: string
  readonly #flights = new SingleFlight<StoredResponse | undefined>()
  readonly #counters = new ResponseCacheCounters()
  /** Every store a route uses, with how long its purge versions must live (twice its longest ttl). */
  readonly #stores = new Map<ResilientTwoLevelCache<unknown>, number>()

  /** @param defaultPrefix L2 prefix of the store of routes that give neither `cache` nor `keyPrefix`. */
  constructor(service: CacheService, defaultPrefix: string) {
    this.#service = service
    this.#logger = service.config.resolved.logger
    this.#defaultPrefix = defaultPrefix
  }

  /** A snapshot of the counters. */
  get stats(): ResponseCacheStats {
    return this.#counters.snapshot()
  }

  /**
   * The cache a policy stores into: its own, or the service's cache named by its `keyPrefix` (the
   * integration's default prefix when it gives none), created here (at route set-up, so that a
   * problem shows at boot rather than on the first request).
   */
  storeFor(policy: ResponseCachePolicy): ResilientTwoLevelCache<unknown> {
    let store = policy.cache
    if (store === undefined) {
      const prefix = policy.keyPrefix ?? this.#defaultPrefix
      store =
        this.#service.getCache(prefix) ??
        this.#service.createCache({ l2KeyPrefix: prefix, l1Enabled: true, ...DEFAULT_STORE_L1 })
    }
    this.#stores.set(store, Math.max(this.#stores.get(store) ?? 0, 2 * policy.ttlMs))
    return store
  }

  /** Looks the request up and says what to do with it. Never rejects. */
  async admit(request: KeyedRequest, policy: ResponseCachePolicy): Promise<Admission> {
    const bypass = bypassReason(request, policy)
    if (bypass !== undefined) {
      this.#counters.bypassed(bypass)
      this.#logger.debug({ reason: bypass, path: targetPath(request.target) }, 'Response cache bypassed')
      return { kind: 'bypass', reason: bypass }
    }
    const store = this.storeFor(policy)
    let key: string
    let cached: StoredResponse | undefined
    try {
      const version = await readUrlVersion(
        store,
        keyHost(request.host, policy),
        targetPath(request.target),
        this.#stores.get(store) ?? policy.ttlMs,
      )
      key = buildResponseKey(request, policy, version)
      const value = await store.get(key)
      cached = isStoredResponse(value) ? value : undefined
    } catch (error) {
      // get() does not reject for L2 trouble; this is a closed service during shutdown: serve uncached.
      this.#logger.debug(
        { cache: store.name, error: (error as Error).message },
        'Response cache lookup failed',
      )
      return this.#miss(undefined)
    }
    if (cached !== undefined) {
      this.#counters.hits++
      return { kind: 'hit', response: cached }
    }
    // A HEAD response has no body to store; it runs the handler and leaves the entry to a GET.
    if (request.method === 'HEAD') return this.#miss(undefined)

    let recorder: ResponseRecorder | undefined
    const shared = this.#flights.run(`${store.name}\n${key}`, () => {
      recorder = new ResponseRecorder(policy, request)
      return this.#storeOutcome(store, key, recorder, policy)
    })
    if (recorder !== undefined) return this.#miss(recorder)

    // Another request runs the handler for this key: wait for its response instead.
    this.#counters.waiting++
    let response: StoredResponse | undefined
    try {
      response = await shared
    } catch {
      response = undefined
    } finally {
      this.#counters.waiting--
    }
    if (response === undefined) {
      // Its response may not be shared (private, cookies, error...): this request runs its own handler.
      return this.#miss(undefined)
    }
    this.#counters.sharedHits++
    return { kind: 'hit', response }
  }

  /**
   * What to send for a hit: the stored status, headers and body, plus the cache header, `Age` (the
   * response's own age when stored, plus the time since) and `Content-Length` (for HEAD too: the
   * length of the GET body it stands for); or `304 Not Modified` without body when the request's
   * `If-None-Match` / `If-Modified-Since` match the stored validators.
   */
  toHit(response: StoredResponse, policy: ResponseCachePolicy, request: KeyedRequest): HitResponse {
    const age = String(response.initialAge + Math.max(0, Math.floor((Date.now() - response.storedAt) / 1000)))
    const marker: HeaderEntries = policy.cacheHeader === undefined ? [] : [[policy.cacheHeader, 'HIT']]
    if (isNotModified(request, response.headers)) {
      this.#counters.notModified++
      return {
        status: 304,
        headers: [...notModifiedHeaders(response.headers), ...marker, ['age', age]],
        body: Buffer.alloc(0),
      }
    }
    const body = storedBody(response)
    const headers: HeaderEntries = [...response.headers, ...marker, ['age', age]]
    if (response.status !== 204) headers.push(['content-length', String(body.byteLength)])
    return { status: response.status, headers, body }
  }

  /**
   * Removes the entries of one path, every query and header variant, of one host or of all, from
   * every store a route of this integration uses, on every instance (the stores' invalidation bus
   * drops the other instances' L1 copies). One write per store, no SCAN.
   * @throws TypeError when `path` is not a path (`/...`, without query) or `host` not a non-empty string.
   */
  async purge(path: string, options: PurgeOptions = {}): Promise<void> {
    if (typeof path !== 'string' || !path.startsWith('/') || path.includes('?') || path.includes('#')) {
      throw new TypeError(
        `purge: path must be a path starting with '/', without query, got ${JSON.stringify(path)}`,
      )
    }
    const host = options?.host
    if (host !== undefined && (typeof host !== 'string' || host === '')) {
      throw new TypeError(`purge: options.host must be a non-empty string, got ${JSON.stringify(host)}`)
    }
    const versionKey = host === undefined ? pathVersionKey(path) : hostVersionKey(encodeHost(host), path)
    // The default store too when no route here uses it: a process that only purges (an admin task)
    // must still reach the pages its web processes cached.
    this.storeFor(DEFAULT_POLICY_FOR_PURGE)
    await Promise.all([...this.#stores].map(([store, ttlMs]) => bumpVersion(store, versionKey, ttlMs)))
    this.#counters.purges++
  }

  #miss(recorder: ResponseRecorder | undefined): Admission {
    this.#counters.misses++
    return { kind: 'miss', recorder }
  }

  /** The leader's side of the flight: waits for its response, stores it, and hands it to the waiters. */
  async #storeOutcome(
    store: ResilientTwoLevelCache<unknown>,
    key: string,
    recorder: ResponseRecorder,
    policy: ResponseCachePolicy,
  ): Promise<StoredResponse | undefined> {
    const outcome = await recorder.outcome
    if ('notStored' in outcome) {
      this.#counters.notStored(outcome.notStored)
      this.#logger.debug({ cache: store.name, key, reason: outcome.notStored }, 'Response not cached')
      return undefined
    }
    const { status, headers, body } = outcome.response
    const { ttlMs, initialAgeSeconds } = outcome.freshness
    const record = toStoredResponse(status, headers, body, Date.now(), initialAgeSeconds, policy.cacheHeader)
    try {
      await store.set(key, record, { ttl: ttlMs / 1000 })
      this.#counters.stored++
    } catch (error) {
      // Too large for maxValueBytes, or the service closed meanwhile: the response was still fine to
      // send, and the requests waiting for it still get it.
      this.#counters.notStored('store-failed')
      this.#logger.warn(
        { cache: store.name, key, error: (error as Error).message },
        'Response could not be cached',
      )
    }
    return record
  }
}
