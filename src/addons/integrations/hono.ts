/**
 * Hono integration (`resilient-cache/hono`): middleware that exposes the service as
 * `c.var.cacheService`, response caching, and a health handler. Node.js only (the L2 clients are).
 *
 * ```ts
 * import { Hono } from 'hono'
 * import { type CacheEnv, HonoCacheService } from 'resilient-cache/hono'
 *
 * const cache = new HonoCacheService({ config: { l2Url: 'redis://127.0.0.1:6379/0' } })  // throws on bad config
 * const app = new Hono<CacheEnv>()
 * app.use(cache.middleware())
 * app.get('/products', cache.responseCache({ ttl: 30 }), listProducts)
 * app.get('/health/cache', cache.healthHandler())
 * app.use('/cache/dashboard/*', requireAdmin)                  // protect it like any admin page
 * app.route('/cache/dashboard', cache.dashboard())
 * // on shutdown, after the server has closed:
 * await cache.close()
 * ```
 */
import { type Handler, Hono, type MiddlewareHandler } from 'hono'
import type { CacheService } from 'resilient-cache'
import { CacheDashboard, type DashboardOptions } from '../dashboard/cache-dashboard.js'
import { asyncDispose } from './async-dispose.js'
import { checkCacheHealth } from './health.js'
import {
  type CacheIntegrationOptions,
  type IntegrationService,
  openIntegrationService,
} from './integration-service.js'
import { fromFetchHeaders } from './response-cache/headers.js'
import { type ResponseCacheOptions, resolveResponseCachePolicy } from './response-cache/options.js'
import type { ResponseRecorder } from './response-cache/recorder.js'
import { type PurgeOptions, ResponseCache, type ResponseCacheStats } from './response-cache/response-cache.js'

export type { DashboardOptions } from '../dashboard/cache-dashboard.js'
export { type CacheHealthReport, checkCacheHealth } from './health.js'
export type { CacheIntegrationOptions } from './integration-service.js'
export type { ResponseCacheOptions } from './response-cache/options.js'
export type { PurgeOptions, ResponseCacheStats } from './response-cache/response-cache.js'

/** The context variables {@link HonoCacheService.middleware} sets. */
export type CacheVariables = { cacheService: CacheService }

/** A Hono `Env` with the cache variables: `new Hono<CacheEnv>()` types `c.var.cacheService`. */
export type CacheEnv = { Variables: CacheVariables }

declare module 'hono' {
  interface ContextVariableMap {
    /** Set by `HonoCacheService.middleware()`. */
    cacheService: CacheService
  }
}

/** Options of {@link HonoCacheService}. */
export type HonoCacheOptions = CacheIntegrationOptions

/**
 * Wires a `CacheService` into Hono apps. The service is created in the constructor, from
 * `options.config` over the `CACHE_*` variables of `options.env` (default `process.env`), so that an
 * invalid setting stops the boot; or pass `options.service`, which `close()` then leaves open.
 */
export class HonoCacheService {
  /** The service handlers reach as `c.var.cacheService`. */
  readonly service: CacheService
  readonly #opened: IntegrationService
  readonly #responses: ResponseCache
  readonly #dashboards: CacheDashboard[] = []

  /** @throws CacheConfigurationError naming the setting or option at fault. */
  constructor(options: HonoCacheOptions = {}) {
    this.#opened = openIntegrationService(options)
    this.service = this.#opened.service
    this.#responses = new ResponseCache(this.service, this.#opened.responsePrefix)
  }

  /** Counters of the response caching of every middleware this instance made. */
  get responseCacheStats(): ResponseCacheStats {
    return this.#responses.stats
  }

  /**
   * Removes the cached responses of one path (every query and header variant), of one host or of
   * all, on every instance sharing the store: `await cache.purgeResponseCache('/products/42')`.
   * @throws TypeError for a `path` that is not `/...` without query, or an empty `host`.
   */
  purgeResponseCache(path: string, options?: PurgeOptions): Promise<void> {
    return this.#responses.purge(path, options)
  }

  /** Middleware that sets `c.var.cacheService`. */
  middleware(): MiddlewareHandler<CacheEnv> {
    return async (c, next) => {
      c.set('cacheService', this.service)
      await next()
    }
  }

  /**
   * Middleware that caches the responses of the routes it is put on (GET; HEAD is served from the
   * GET entry): `app.get('/path', cache.responseCache(), handler)`.
   * @throws CacheConfigurationError for invalid options, at start-up.
   */
  responseCache(options?: ResponseCacheOptions): MiddlewareHandler {
    const policy = resolveResponseCachePolicy(options)
    const responses = this.#responses
    responses.storeFor(policy)
    return async (c, next) => {
      const url = new URL(c.req.url)
      const request = {
        method: c.req.method,
        target: url.pathname + url.search,
        // The URL's host: the Host header (Hono has no trust-proxy setting of its own).
        host: url.host,
        header: (name: string) => c.req.header(name),
      }
      const admission = await responses.admit(request, policy)
      if (admission.kind === 'bypass') {
        await next()
        if (policy.cacheHeader !== undefined) setHeaderIfMutable(c.res, policy.cacheHeader, 'BYPASS')
        return
      }
      if (admission.kind === 'hit') {
        const hit = responses.toHit(admission.response, policy, request)
        // Hono drops the body of a HEAD answer itself; the length header stays. A 304 has no body.
        return new Response(hit.status === 304 ? null : hit.body, {
          status: hit.status,
          headers: hit.headers,
        })
      }
      const recorder = admission.recorder
      try {
        await next()
      } catch (error) {
        recorder?.abandon('aborted')
        throw error
      }
      if (policy.cacheHeader !== undefined) setHeaderIfMutable(c.res, policy.cacheHeader, 'MISS')
      if (recorder !== undefined) record(c.res, recorder)
    }
  }

  /**
   * A handler for a health endpoint: 200 `{ status: 'healthy', stats }`, or 503 `{ status: 'degraded',
   * reason: 'L2 unavailable' }` while a circuit breaker is open. Reads statistics only (no I/O).
   */
  healthHandler(): Handler {
    return (c) => {
      const report = checkCacheHealth(this.service)
      c.header('cache-control', 'no-store')
      return c.json(report.body, report.statusCode)
    }
  }

  /**
   * The cache dashboard as a Hono app (a read-only HTML page and its JSON, `data.json`), to mount
   * where you want it: `app.route('/cache/dashboard', cache.dashboard())`. It shows cache names and
   * counts, never keys or values; still, protect it like any admin page (middleware on
   * `/cache/dashboard` and `/cache/dashboard/*`). Nothing runs until this is called.
   * @throws CacheConfigurationError for invalid options.
   */
  dashboard(options?: DashboardOptions): Hono {
    const dashboard = new CacheDashboard(this.service, options)
    this.#dashboards.push(dashboard)
    const app = new Hono()
    const serve = (subpath: string) => (c: { req: { method: string } }) => {
      // Both paths are the dashboard's own, so there is always an answer.
      const answer = dashboard.respond(c.req.method, subpath) as NonNullable<
        ReturnType<typeof dashboard.respond>
      >
      return new Response(answer.body, { status: answer.status, headers: answer.headers })
    }
    app.get('/', serve('/'))
    app.get('/data.json', serve('/data.json'))
    return app
  }

  /**
   * Stops the dashboards this instance made, and closes the service if this instance created it (a
   * given `service` stays open). Idempotent.
   */
  close(): Promise<void> {
    for (const dashboard of this.#dashboards.splice(0)) dashboard.close()
    return this.#opened.close()
  }

  /** `await using cache = ...`: the same as {@link close} when the scope ends. */
  [asyncDispose](): Promise<void> {
    return this.close()
  }
}

/**
 * Feeds the recorder a copy of the response body, read in the background: the client's copy streams
 * on at once, and reading stops (and the copy is cancelled) as soon as the recorder wants no more.
 */
function record(response: Response, recorder: ResponseRecorder): void {
  if (!recorder.start(response.status, fromFetchHeaders(response.headers))) return
  if (response.body === null) {
    recorder.end()
    return
  }
  const reader = response.clone().body?.getReader()
  if (reader === undefined) {
    recorder.end()
    return
  }
  void (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        recorder.write(value)
        if (!recorder.isRecording) {
          await reader.cancel()
          return
        }
      }
      recorder.end()
    } catch {
      recorder.abandon('aborted')
    }
  })()
}

/** Responses from `fetch()` have immutable headers; such a response just goes without the cache header. */
function setHeaderIfMutable(response: Response, name: string, value: string): void {
  try {
    response.headers.set(name, value)
  } catch {
    // Immutable headers: nothing to do.
  }
}
