import type { CacheService, Logger, ResilientTwoLevelCache } from 'resilient-cache'
import { SingleFlight } from '../../../loading/single-flight.js'
import { isCacheableRequest } from './cacheability.js'
import type { HeaderEntries } from './headers.js'
import { buildResponseKey, type KeyedRequest } from './key.js'
import { DEFAULT_RESPONSE_CACHE_NAME, type ResponseCachePolicy } from './options.js'
import { ResponseRecorder } from './recorder.js'
import { isStoredResponse, type StoredResponse, storedBody, toStoredResponse } from './stored-response.js'

/** Counters of one integration's response caching, for tests, logs and health pages. */
export interface ResponseCacheStats {
  /** Requests served from the cache. */
  hits: number
  /** Requests served with the response of a concurrent request for the same key (one handler run for all). */
  sharedHits: number
  /** Requests whose handler ran. */
  misses: number
  /** Requests the cache does not take part in (method, `Range`, `Authorization`). */
  bypassed: number
  /** Responses stored. */
  stored: number
  /** Responses of misses that were not stored (see the rules in the README). */
  notStored: number
  /** Requests now waiting for a concurrent request's response. */
  waiting: number
}

/** A hit, ready to send. */
export interface HitResponse {
  status: number
  headers: HeaderEntries
  body: Buffer
}

/** What a framework adapter does with a request. */
export type Admission =
  /** Not cached: run the handler, add no cache header. */
  | { kind: 'bypass' }
  /** Send this response (`X-Cache: HIT`); the handler does not run. */
  | { kind: 'hit'; response: StoredResponse }
  /** Run the handler (`X-Cache: MISS`); when a recorder is given, feed it the response. */
  | { kind: 'miss'; recorder: ResponseRecorder | undefined }

/**
 * The framework-neutral part of response caching: looks requests up, lets concurrent misses of one
 * key share one handler run (the first request runs it and the others wait for its response, within
 * this process), and stores what may be stored. One per integration instance; each route brings its
 * own {@link ResponseCachePolicy}.
 */
export class ResponseCache {
  readonly #service: CacheService
  readonly #logger: Logger
  readonly #flights = new SingleFlight<StoredResponse | undefined>()
  readonly #counters = { hits: 0, sharedHits: 0, misses: 0, bypassed: 0, stored: 0, notStored: 0, waiting: 0 }
  #defaultStore: ResilientTwoLevelCache<unknown> | undefined

  constructor(service: CacheService) {
    this.#service = service
    this.#logger = service.config.resolved.logger
  }

  /** A snapshot of the counters. */
  get stats(): ResponseCacheStats {
    return { ...this.#counters }
  }

  /**
   * The cache a policy stores into: its own, or the service's `http-responses` cache, created here
   * (at route set-up, so that a problem shows at boot rather than on the first request).
   */
  storeFor(policy: ResponseCachePolicy): ResilientTwoLevelCache<unknown> {
    if (policy.cache !== undefined) return policy.cache
    this.#defaultStore ??=
      this.#service.getCache(DEFAULT_RESPONSE_CACHE_NAME) ??
      this.#service.createCache({
        l2KeyPrefix: DEFAULT_RESPONSE_CACHE_NAME,
        l1Enabled: true,
        l1MaxSize: 1000,
      })
    return this.#defaultStore
  }

  /** Looks the request up and says what to do with it. Never rejects. */
  async admit(request: KeyedRequest, policy: ResponseCachePolicy): Promise<Admission> {
    if (!isCacheableRequest(request, policy)) {
      this.#counters.bypassed++
      return { kind: 'bypass' }
    }
    const store = this.storeFor(policy)
    const key = buildResponseKey(request, policy)
    const cached = await this.#lookup(store, key)
    if (cached !== undefined) {
      this.#counters.hits++
      return { kind: 'hit', response: cached }
    }
    // A HEAD response has no body to store; it runs the handler and leaves the entry to a GET.
    if (request.method === 'HEAD') return this.#miss(undefined)

    let recorder: ResponseRecorder | undefined
    const shared = this.#flights.run(`${store.name}\n${key}`, () => {
      recorder = new ResponseRecorder(policy)
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
   * What to send for a hit: the stored status, headers and body, plus the cache header, `Age`, and
   * `Content-Length` (for HEAD too: the length of the GET body it stands for).
   */
  toHit(response: StoredResponse, policy: ResponseCachePolicy): HitResponse {
    const body = storedBody(response)
    const headers: HeaderEntries = [...response.headers]
    if (policy.cacheHeader !== undefined) headers.push([policy.cacheHeader, 'HIT'])
    headers.push(['age', String(Math.max(0, Math.floor((Date.now() - response.storedAt) / 1000)))])
    if (response.status !== 204) headers.push(['content-length', String(body.byteLength)])
    return { status: response.status, headers, body }
  }

  #miss(recorder: ResponseRecorder | undefined): Admission {
    this.#counters.misses++
    return { kind: 'miss', recorder }
  }

  async #lookup(store: ResilientTwoLevelCache<unknown>, key: string): Promise<StoredResponse | undefined> {
    try {
      const value = await store.get(key)
      return isStoredResponse(value) ? value : undefined
    } catch (error) {
      // get() does not reject for L2 trouble; this is a closed service during shutdown: serve uncached.
      this.#logger.debug(
        { cache: store.name, error: (error as Error).message },
        'Response cache lookup failed',
      )
      return undefined
    }
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
      this.#counters.notStored++
      this.#logger.debug({ cache: store.name, key, reason: outcome.notStored }, 'Response not cached')
      return undefined
    }
    const { status, headers, body } = outcome.response
    const record = toStoredResponse(status, headers, body, Date.now(), policy.cacheHeader)
    try {
      await store.set(key, record, { ttl: policy.ttlMs / 1000 })
      this.#counters.stored++
    } catch (error) {
      // Too large for maxValueBytes, or the service closed meanwhile: the response was still fine to
      // send, and the requests waiting for it still get it.
      this.#counters.notStored++
      this.#logger.warn(
        { cache: store.name, key, error: (error as Error).message },
        'Response could not be cached',
      )
    }
    return record
  }
}
