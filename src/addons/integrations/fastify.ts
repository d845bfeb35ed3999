/**
 * Fastify integration (`resilient-cache/fastify`): a plugin that decorates `fastify.cacheService`,
 * closes the service it created on `onClose`, and caches the responses of the routes that ask for it.
 *
 * ```ts
 * import Fastify from 'fastify'
 * import resilientCache from 'resilient-cache/fastify'
 *
 * const app = Fastify()
 * await app.register(resilientCache, { config: { l2Url: 'redis://127.0.0.1:6379/0' } })
 * app.get('/products', { config: { responseCache: { ttl: 30 } } }, listProducts)
 * app.get('/health/cache', cacheHealthHandler)
 * // dashboard: { path: '/cache/dashboard' } in the options serves the dashboard: protect it like any admin page
 * const users = app.cacheService.createCache({ l2KeyPrefix: 'users' })
 * ```
 */
import type {
  FastifyInstance,
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  onRequestHookHandler,
  onSendHookHandler,
  RouteOptions,
} from 'fastify'
import { CacheConfigurationError, type CacheService } from 'resilient-cache'
import {
  CacheDashboard,
  type DashboardOptions,
  type DashboardResponse,
  DEFAULT_DASHBOARD_PATH,
} from '../dashboard/cache-dashboard.js'
import { tagFastifyPlugin } from './fastify-plugin-tags.js'
import { checkCacheHealth } from './health.js'
import { type CacheIntegrationOptions, openIntegrationService } from './integration-service.js'
import { fromNodeHeaders, keyedNodeRequest, toNodeHeaders } from './response-cache/headers.js'
import {
  type ResponseCacheOptions,
  type ResponseCachePolicy,
  resolveResponseCachePolicy,
} from './response-cache/options.js'
import type { ResponseRecorder } from './response-cache/recorder.js'
import { type PurgeOptions, ResponseCache, type ResponseCacheStats } from './response-cache/response-cache.js'

export type { DashboardOptions } from '../dashboard/cache-dashboard.js'
export { type CacheHealthReport, checkCacheHealth } from './health.js'
export type { CacheIntegrationOptions } from './integration-service.js'
export type { ResponseCacheOptions } from './response-cache/options.js'
export type { PurgeOptions, ResponseCacheStats } from './response-cache/response-cache.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The service of the resilient-cache plugin. */
    cacheService: CacheService
    /** Counters of the plugin's response caching, over every route. */
    responseCacheStats(): ResponseCacheStats
    /**
     * Removes the cached responses of one path (every query and header variant), of one host or
     * of all, on every instance sharing the store.
     * @throws TypeError for a `path` that is not `/...` without query, or an empty `host`.
     */
    purgeResponseCache(path: string, options?: PurgeOptions): Promise<void>
  }
  interface FastifyContextConfig {
    /**
     * Response caching for this route: `true` with the plugin's `responseCache` defaults, or options
     * merged over them. Register the plugin before the routes that use it.
     */
    responseCache?: boolean | ResponseCacheOptions
  }
}

/** Options of the plugin's dashboard: where it is served, and how it samples. */
export interface FastifyDashboardOptions extends DashboardOptions {
  /** Path of the page; its JSON is at `<path>/data.json`. @default '/cache/dashboard' */
  path?: string
}

/** Options of the plugin. */
export interface FastifyCacheOptions extends CacheIntegrationOptions {
  /** Defaults of the routes that set `config.responseCache`. */
  responseCache?: ResponseCacheOptions
  /**
   * Serves the cache dashboard (a read-only HTML page and its JSON): `true` at `/cache/dashboard`, or
   * options. It shows cache names and counts, never keys or values; still, protect it like any admin
   * page (an `onRequest` hook on its path). @default false: no dashboard, nothing runs
   */
  dashboard?: boolean | FastifyDashboardOptions
}

const plugin: FastifyPluginAsync<FastifyCacheOptions> = async (fastify, options) => {
  // Checked before anything is created, so that a second registration leaks no connection.
  if (fastify.hasDecorator('cacheService')) {
    throw new CacheConfigurationError(
      'register',
      'the resilient-cache plugin is already registered on this Fastify instance; register it once',
    )
  }
  const { responseCache: defaults, dashboard: dashboardOption, service, config, env } = options
  // Validated now, so that invalid defaults fail the boot even before a route uses them.
  resolveResponseCachePolicy(defaults)
  const opened = openIntegrationService({ service, config, env })
  const responses = new ResponseCache(opened.service, opened.responsePrefix)
  fastify.decorate('cacheService', opened.service)
  fastify.decorate('responseCacheStats', () => responses.stats)
  fastify.decorate('purgeResponseCache', (path: string, purgeOptions?: PurgeOptions) =>
    responses.purge(path, purgeOptions),
  )
  fastify.addHook('onClose', () => opened.close())
  fastify.addHook('onRoute', (route) => addResponseCaching(route, responses, defaults))
  if (dashboardOption !== undefined && dashboardOption !== false) {
    serveDashboard(fastify, opened.service, dashboardOption === true ? {} : dashboardOption)
  }
}

/** The dashboard's two routes (Fastify adds their HEAD routes), stopped with the app. */
function serveDashboard(
  fastify: FastifyInstance,
  service: CacheService,
  options: FastifyDashboardOptions,
): void {
  const { path = DEFAULT_DASHBOARD_PATH, ...dashboardOptions } = options
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new CacheConfigurationError(
      'dashboard.path',
      `expected a path starting with '/', got ${String(path)}`,
    )
  }
  const dashboard = new CacheDashboard(service, dashboardOptions)
  fastify.addHook('onClose', async () => dashboard.close())
  const base = path.replace(/\/+$/, '')
  for (const subpath of ['/', '/data.json']) {
    fastify.get(subpath === '/' ? base || '/' : `${base}${subpath}`, async (request, reply) => {
      // Both routes are the dashboard's own, so there is always an answer.
      const answer = dashboard.respond(request.method, subpath) as DashboardResponse
      return reply.code(answer.status).headers(answer.headers).send(answer.body)
    })
  }
}

/**
 * The resilient-cache plugin, tagged as `fastify-plugin` would so that its decorators are visible to
 * the whole app rather than to its own encapsulation context. Fastify 4 and 5.
 */
export const fastifyResilientCache: FastifyPluginAsync<FastifyCacheOptions> = tagFastifyPlugin(plugin, {
  name: 'resilient-cache',
  fastify: '4.x || 5.x',
})
export default fastifyResilientCache

/**
 * A route handler for a health endpoint: 200 `{ status: 'healthy', stats }`, or 503 `{ status:
 * 'degraded', reason: 'L2 unavailable' }` while a circuit breaker is open. Reads statistics only.
 */
export async function cacheHealthHandler(
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const service = request.server.cacheService as CacheService | undefined
  if (service === undefined) throw new Error('cacheHealthHandler: register the resilient-cache plugin first')
  const report = checkCacheHealth(service)
  return reply.code(report.statusCode).header('cache-control', 'no-store').send(report.body)
}

function addResponseCaching(
  route: RouteOptions,
  responses: ResponseCache,
  defaults: ResponseCacheOptions | undefined,
): void {
  const setting = route.config?.responseCache
  if (setting === undefined || setting === false) return
  const policy = resolveResponseCachePolicy(
    setting === true ? defaults : { ...defaults, ...setting },
    `config.responseCache of ${String(route.method)} ${route.url}`,
  )
  responses.storeFor(policy)
  const recorders = new WeakMap<FastifyRequest, ResponseRecorder>()
  // New arrays, never in-place pushes: Fastify builds the automatic HEAD route from a shallow copy
  // of these options, which runs this hook once more for itself.
  route.onRequest = [...asArray(route.onRequest), lookUp(responses, policy, recorders)]
  route.onSend = [...asArray(route.onSend), record(recorders)]
}

function lookUp(
  responses: ResponseCache,
  policy: ResponseCachePolicy,
  recorders: WeakMap<FastifyRequest, ResponseRecorder>,
): onRequestHookHandler {
  return async (request, reply) => {
    // From Host, or X-Forwarded-Host only under the app's trustProxy setting: Fastify 5's
    // request.host, or Fastify 4's request.hostname (which kept the port then).
    const host = (request as { host?: string }).host ?? request.hostname
    const keyed = keyedNodeRequest(request.method, request.url, host, request.headers)
    const admission = await responses.admit(keyed, policy)
    if (admission.kind === 'hit') {
      const hit = responses.toHit(admission.response, policy, keyed)
      reply.code(hit.status).headers(toNodeHeaders(hit.headers))
      // A HEAD route's own onSend hook drops the body and keeps the length; a 304 has neither.
      return hit.status === 304 ? reply.send() : reply.send(hit.body)
    }
    if (policy.cacheHeader !== undefined) {
      reply.header(policy.cacheHeader, admission.kind === 'miss' ? 'MISS' : 'BYPASS')
    }
    if (admission.kind === 'miss') {
      const recorder = admission.recorder
      if (recorder !== undefined) {
        recorders.set(request, recorder)
        reply.raw.once('close', () => recorder.abandon('aborted'))
      }
    }
  }
}

/** Hands the serialized payload to the recorder; runs after app-level onSend hooks (cookies). */
function record(recorders: WeakMap<FastifyRequest, ResponseRecorder>): onSendHookHandler {
  return async (request, reply, payload) => {
    const recorder = recorders.get(request)
    if (recorder === undefined) return payload
    recorders.delete(request)
    if (recorder.start(reply.statusCode, fromNodeHeaders(reply.getHeaders()))) {
      if (typeof payload === 'string') recorder.write(Buffer.from(payload))
      else if (payload instanceof Uint8Array) recorder.write(payload)
      else if (payload !== null && payload !== undefined) recorder.abandon('stream')
      recorder.end()
    }
    return payload
  }
}

function asArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return []
  return Array.isArray(value) ? value : [value]
}
