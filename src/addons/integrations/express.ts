/**
 * Express integration (`resilient-cache/express`), the counterpart of the Python resilient-cache's Flask extension:
 * the `CACHE_*` keys come from the app's settings (`app.set('CACHE_REDIS_HOST', ...)`, as Flask's
 * `app.config`), then the environment.
 *
 * ```ts
 * import express from 'express'
 * import { ExpressCacheService, getCacheService } from 'resilient-cache/express'
 *
 * const app = express()
 * app.set('CACHE_REDIS_URL', 'redis://127.0.0.1:6379/0')
 * const cache = new ExpressCacheService()
 * cache.initApp(app)                                    // throws CacheConfigurationError on a bad setting
 * const users = getCacheService(app).createCache({ l2KeyPrefix: 'users' })
 * app.get('/products', cache.responseCache({ ttl: 30 }), listProducts)
 * app.get('/health/cache', cache.healthHandler())
 * app.use('/cache/dashboard', requireAdmin, cache.dashboard())   // protect it like any admin page
 * // on shutdown, after server.close():
 * await cache.close()                                   // closes the service only if it created it
 * ```
 */
import type { Application, Request, RequestHandler, Response } from 'express'
import { CacheConfigurationError, type CacheEnvSource, type CacheService } from 'resilient-cache'
import { CacheDashboard, type DashboardOptions } from '../dashboard/cache-dashboard.js'
import { asyncDispose } from './async-dispose.js'
import { expressHost } from './express-host.js'
import { checkCacheHealth } from './health.js'
import {
  type CacheIntegrationOptions,
  type IntegrationService,
  openIntegrationService,
} from './integration-service.js'
import {
  fromNodeHeaders,
  type HeaderEntries,
  keyedNodeRequest,
  toNodeHeaders,
} from './response-cache/headers.js'
import { type ResponseCacheOptions, resolveResponseCachePolicy } from './response-cache/options.js'
import type { ResponseRecorder } from './response-cache/recorder.js'
import {
  type HitResponse,
  type PurgeOptions,
  ResponseCache,
  type ResponseCacheStats,
} from './response-cache/response-cache.js'

export type { DashboardOptions } from '../dashboard/cache-dashboard.js'
export { type CacheHealthReport, checkCacheHealth } from './health.js'
export type { CacheIntegrationOptions } from './integration-service.js'
export type { ResponseCacheOptions } from './response-cache/options.js'
export type { PurgeOptions, ResponseCacheStats } from './response-cache/response-cache.js'

/**
 * The app setting that holds the service. A setting rather than `app.locals`, because a mounted
 * sub-app inherits its parent's settings, so `getCacheService(req)` works in sub-apps too.
 */
const SERVICE_SETTING = 'resilient-cache:service'

/** Options of {@link ExpressCacheService}. */
export type ExpressCacheOptions = CacheIntegrationOptions

/**
 * Wires a `CacheService` into an Express app (the Python library's `FlaskCacheService`). Configuration, in
 * order of precedence: `options.config`, the app's `CACHE_*` settings, `options.env` (default
 * `process.env`). Or pass `options.service` to use a service of your own, which `close()` leaves open.
 */
export class ExpressCacheService {
  readonly #options: ExpressCacheOptions
  #opened: IntegrationService | undefined
  #responses: ResponseCache | undefined
  readonly #dashboards: CacheDashboard[] = []

  constructor(options: ExpressCacheOptions = {}) {
    this.#options = options
  }

  /**
   * Creates the service from the app's settings (on the first call) and attaches it to the app,
   * where {@link getCacheService} finds it. Call it once per app, before the routes that use it.
   * @throws CacheConfigurationError naming the setting at fault, so the app fails to boot.
   */
  initApp(app: Application): CacheService {
    if (Object.hasOwn(app.settings, SERVICE_SETTING)) {
      throw new CacheConfigurationError('initApp', 'this Express app already has a cache service')
    }
    this.#opened ??= openIntegrationService(this.#options, readCacheSettings(app))
    app.set(SERVICE_SETTING, this.#opened.service)
    return this.#opened.service
  }

  /** The service. @throws Error before `initApp()`. */
  get service(): CacheService {
    return this.#requireOpened().service
  }

  /** Counters of the response caching of every middleware this instance made. */
  get responseCacheStats(): ResponseCacheStats {
    return this.#responseCache().stats
  }

  /**
   * Removes the cached responses of one path (every query and header variant), of one host or of
   * all, on every instance sharing the store: `await cache.purgeResponseCache('/products/42')`.
   * @throws TypeError for a `path` that is not `/...` without query, or an empty `host`.
   */
  purgeResponseCache(path: string, options?: PurgeOptions): Promise<void> {
    return this.#responseCache().purge(path, options)
  }

  /**
   * A middleware that caches the responses of the routes it is put on (GET; HEAD is served from the
   * GET entry). Put it before the handler: `app.get('/path', cache.responseCache(), handler)`.
   * @throws CacheConfigurationError for invalid options, at start-up.
   */
  responseCache(options?: ResponseCacheOptions): RequestHandler {
    const policy = resolveResponseCachePolicy(options)
    const responses = this.#responseCache()
    responses.storeFor(policy)
    return async (req, res, next) => {
      // From Host, or X-Forwarded-Host only under the app's 'trust proxy' setting.
      const request = keyedNodeRequest(req.method, req.originalUrl, expressHost(req), req.headers)
      const admission = await responses.admit(request, policy)
      if (admission.kind === 'hit') {
        sendHit(res, responses.toHit(admission.response, policy, request), req.method)
        return
      }
      if (policy.cacheHeader !== undefined) {
        res.setHeader(policy.cacheHeader, admission.kind === 'miss' ? 'MISS' : 'BYPASS')
      }
      if (admission.kind === 'miss' && admission.recorder !== undefined) {
        recordResponse(res, admission.recorder)
      }
      next()
    }
  }

  /**
   * A handler for a health endpoint: 200 `{ status: 'healthy', stats }`, or 503 `{ status: 'degraded',
   * reason: 'L2 unavailable' }` while a circuit breaker is open. Reads statistics only (no I/O).
   */
  healthHandler(): RequestHandler {
    return (_req, res) => sendHealth(res, this.service)
  }

  /**
   * The cache dashboard (a read-only HTML page and its JSON, `data.json`), to mount where you want it:
   * `app.use('/cache/dashboard', requireAdmin, cache.dashboard())`. It shows cache names and counts,
   * never keys or values; still, protect it like any admin page. Nothing runs until this is called.
   * @throws CacheConfigurationError for invalid options; Error before `initApp()`.
   */
  dashboard(options?: DashboardOptions): RequestHandler {
    const dashboard = new CacheDashboard(this.service, options)
    this.#dashboards.push(dashboard)
    return (req, res, next) => {
      const answer = dashboard.respond(req.method, req.path)
      if (answer === undefined) {
        next()
        return
      }
      res.status(answer.status).set(answer.headers)
      res.end(req.method === 'HEAD' ? undefined : answer.body)
    }
  }

  /**
   * Stops the dashboards this instance made, and closes the service if this instance created it (a
   * given `service` stays open). Idempotent.
   */
  close(): Promise<void> {
    for (const dashboard of this.#dashboards.splice(0)) dashboard.close()
    return this.#opened?.close() ?? Promise.resolve()
  }

  /** `await using cache = ...`: the same as {@link close} when the scope ends. */
  [asyncDispose](): Promise<void> {
    return this.close()
  }

  #requireOpened(): IntegrationService {
    if (this.#opened === undefined) throw new Error('ExpressCacheService: call initApp(app) first')
    return this.#opened
  }

  #responseCache(): ResponseCache {
    const opened = this.#requireOpened()
    this.#responses ??= new ResponseCache(opened.service, opened.responsePrefix)
    return this.#responses
  }
}

/**
 * The service attached to an app by `initApp()`; given a request, that of `req.app` (sub-apps see
 * their parent's). The analogue of the Python library's `get_cache_service()`.
 * @throws Error when no service is attached.
 */
export function getCacheService(appOrRequest: Application | Request): CacheService {
  const app = typeof appOrRequest === 'function' ? appOrRequest : appOrRequest.app
  const service = app.get(SERVICE_SETTING) as CacheService | undefined
  if (service === undefined) {
    throw new Error('No cache service on this Express app: call new ExpressCacheService().initApp(app) first')
  }
  return service
}

/** A health handler that uses the service of `req.app` (see {@link ExpressCacheService.healthHandler}). */
export const cacheHealthHandler: RequestHandler = (req, res) => sendHealth(res, getCacheService(req))

function sendHealth(res: Response, service: CacheService): void {
  const report = checkCacheHealth(service)
  // A health answer must never come from a cache, this one or a proxy's.
  res.status(report.statusCode).set('Cache-Control', 'no-store').json(report.body)
}

/** The app's `CACHE_*` settings, inherited ones (from a parent app) included. */
function readCacheSettings(app: Application): CacheEnvSource {
  const settings: Record<string, string | number | boolean | undefined> = {}
  // for...in, not Object.keys: a mounted sub-app's settings inherit from its parent's by prototype.
  for (const key in app.settings) if (key.startsWith('CACHE_')) settings[key] = app.get(key)
  return settings
}

function sendHit(res: Response, hit: HitResponse, method: string): void {
  res.status(hit.status)
  for (const [name, value] of Object.entries(toNodeHeaders(hit.headers))) res.setHeader(name, value)
  res.end(method === 'HEAD' ? undefined : hit.body)
}

/**
 * Feeds the recorder what the handler sends, through `res.writeHead`, `res.write` and `res.end`.
 * The head is taken when it is written, before middleware mounted earlier (compression) changes it,
 * so the stored headers always describe the stored (identity) body.
 */
function recordResponse(res: Response, recorder: ResponseRecorder): void {
  const { writeHead, write, end } = res
  res.writeHead = function (this: Response, statusCode: number, ...rest: unknown[]) {
    if (recorder.isRecording) recorder.start(statusCode, headersAtWriteHead(this, rest))
    return writeHead.call(this, statusCode, ...(rest as []))
  } as Response['writeHead']
  res.write = function (this: Response, chunk: unknown, ...rest: unknown[]) {
    if (recorder.isRecording) recorder.write(toBytes(chunk, rest[0]))
    return write.call(this, chunk, ...(rest as [BufferEncoding]))
  } as Response['write']
  res.end = function (this: Response, ...args: unknown[]) {
    const chunk = typeof args[0] === 'function' ? undefined : args[0]
    if (recorder.isRecording && chunk !== undefined && chunk !== null) recorder.write(toBytes(chunk, args[1]))
    const result = end.apply(this, args as Parameters<Response['end']>)
    recorder.end()
    return result
  } as Response['end']
  // 'close' also follows a normal end, by which time the recorder has settled and ignores this.
  res.once('close', () => recorder.abandon('aborted'))
}

/** The headers as `writeHead` will send them: those set so far, and those passed to it. */
function headersAtWriteHead(res: Response, args: unknown[]): HeaderEntries {
  const headers = fromNodeHeaders(res.getHeaders())
  const given = args.find((arg) => typeof arg === 'object' && arg !== null)
  if (given === undefined) return headers
  if (Array.isArray(given)) {
    // Node.js takes a flat [name, value, name, value] list here.
    for (let index = 0; index + 1 < given.length; index += 2) {
      headers.push([String(given[index]).toLowerCase(), String(given[index + 1])])
    }
    return headers
  }
  const passed = fromNodeHeaders(given as Record<string, string | number | string[] | undefined>)
  const replaced = new Set(passed.map(([name]) => name))
  return [...headers.filter(([name]) => !replaced.has(name)), ...passed]
}

function toBytes(chunk: unknown, encoding: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk
  if (typeof chunk === 'string') {
    return Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
  }
  return new Uint8Array(0)
}
