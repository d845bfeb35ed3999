/**
 * The apps of the response-cache safety suite, one builder per framework: the same routes, each
 * answering with what it saw (host, cookie) and how many times it ran, so that a test can tell a
 * stored page from a fresh one and one user's page from another's.
 */
import type { Server } from 'node:http'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { ExpressCacheService } from '../../src/addons/integrations/express.js'
import { expressHost } from '../../src/addons/integrations/express-host.js'
import fastifyResilientCache from '../../src/addons/integrations/fastify.js'
import { HonoCacheService } from '../../src/addons/integrations/hono.js'
import type { ResponseCacheOptions } from '../../src/addons/integrations/response-cache/options.js'
import type {
  PurgeOptions,
  ResponseCacheStats,
} from '../../src/addons/integrations/response-cache/response-cache.js'
import type { CacheFactoryConfigOptions, CacheService } from '../../src/index.js'
import { closeHttpServer, loopbackUrl } from '../helpers/http-server.js'
import { EXPRESS_MAJORS, FASTIFY_MAJORS } from './framework-majors.js'

/** A cached route: its options and the status and headers it answers with. */
export interface SafetyRoute {
  path: string
  /** @default 'GET' */
  method?: 'GET' | 'POST'
  /** Options, or a function of the app's service that returns them (to give a `cache`). */
  options?: ResponseCacheOptions | ((service: CacheService) => ResponseCacheOptions)
  status?: number
  headers?: Record<string, string>
  /** Pads the body to this many characters (for the byte bound). */
  bodyLength?: number
  /** Leave what the route saw out of the body (for the test that looks for secrets in Redis). */
  quiet?: boolean
}

/** What a route saw of a request. */
interface Seen {
  host: string
  cookie: string | undefined
  language: string | undefined
}

/** How an app is started. */
export interface SafetyAppOptions {
  routes: readonly SafetyRoute[]
  config: CacheFactoryConfigOptions
  /** The framework's own trust-proxy setting (Hono has none). */
  trustProxy?: boolean
  /** `CACHE_*` variables (`CACHE_HTTP_PREFIX`). */
  env?: Record<string, string>
}

/** A running app. */
export interface SafetyApp {
  baseUrl: string
  /** `127.0.0.1:<port>`: the host requests name by default. */
  host: string
  service: CacheService
  /** Handler runs per path. */
  runs: Map<string, number>
  stats(): ResponseCacheStats
  purge(path: string, options?: PurgeOptions): Promise<void>
  close(): Promise<void>
}

/** A framework under test. */
export interface SafetyFramework {
  name: string
  /** Whether its host honours `X-Forwarded-Host` when `trustProxy` is set. */
  trustsForwardedHost: boolean
  start(options: SafetyAppOptions): Promise<SafetyApp>
}

function optionsOf(route: SafetyRoute, service: CacheService): ResponseCacheOptions | undefined {
  return typeof route.options === 'function' ? route.options(service) : route.options
}

function reply(route: SafetyRoute, runs: Map<string, number>, seen: Seen) {
  const run = (runs.get(route.path) ?? 0) + 1
  runs.set(route.path, run)
  const saw =
    route.quiet === true ? '' : `host=${seen.host} cookie=${seen.cookie ?? '-'} lang=${seen.language ?? '-'}`
  const text = `${route.path} run ${run} ${saw}`
  return {
    status: route.status ?? 200,
    headers: { 'content-type': 'text/plain; charset=utf-8', ...route.headers },
    body: route.bodyLength === undefined ? text : text.padEnd(route.bodyLength, '.'),
  }
}

function serverApp(
  server: Server,
  integration: ExpressCacheService | HonoCacheService,
  runs: Map<string, number>,
): Promise<SafetyApp> {
  return loopbackUrl(server).then((baseUrl) => ({
    baseUrl,
    host: new URL(baseUrl).host,
    service: integration.service,
    runs,
    stats: () => integration.responseCacheStats,
    purge: (path, options) => integration.purgeResponseCache(path, options),
    close: () => closeHttpServer(server).then(() => integration.close()),
  }))
}

const expressFramework = (
  name: string,
  express: (typeof EXPRESS_MAJORS)[number]['module'],
): SafetyFramework => ({
  name,
  trustsForwardedHost: true,
  async start({ routes, config, trustProxy = false, env = {} }) {
    const app = express()
    app.set('trust proxy', trustProxy)
    const cache = new ExpressCacheService({ config, env })
    cache.initApp(app)
    const runs = new Map<string, number>()
    for (const route of routes) {
      const on = route.method === 'POST' ? app.post.bind(app) : app.get.bind(app)
      on(route.path, cache.responseCache(optionsOf(route, cache.service)), (req, res) => {
        const answer = reply(route, runs, {
          // As an app that builds links from the host would, on either major.
          host: expressHost(req) ?? '',
          cookie: req.get('cookie'),
          language: req.get('accept-language'),
        })
        res.status(answer.status).set(answer.headers).send(answer.body)
      })
    }
    return serverApp(app.listen(0, '127.0.0.1'), cache, runs)
  },
})

const fastifyFramework = (
  name: string,
  Fastify: (typeof FASTIFY_MAJORS)[number]['module'],
): SafetyFramework => ({
  name,
  trustsForwardedHost: true,
  async start({ routes, config, trustProxy = false, env = {} }) {
    const app = Fastify({ trustProxy })
    await app.register(fastifyResilientCache, { config, env })
    const runs = new Map<string, number>()
    for (const route of routes) {
      app.route({
        method: route.method ?? 'GET',
        url: route.path,
        config: { responseCache: optionsOf(route, app.cacheService) ?? true },
        handler: async (request, res) => {
          const answer = reply(route, runs, {
            host: (request as { host?: string }).host ?? request.hostname,
            cookie: request.headers.cookie,
            language: request.headers['accept-language'] as string | undefined,
          })
          return res.code(answer.status).headers(answer.headers).send(answer.body)
        },
      })
    }
    const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' })
    return {
      baseUrl,
      host: new URL(baseUrl).host,
      service: app.cacheService,
      runs,
      stats: () => app.responseCacheStats(),
      purge: (path, options) => app.purgeResponseCache(path, options),
      close: () => app.close(),
    }
  },
})

const honoFramework: SafetyFramework = {
  name: 'Hono',
  trustsForwardedHost: false,
  async start({ routes, config, env = {} }) {
    const cache = new HonoCacheService({ config, env })
    const app = new Hono()
    const runs = new Map<string, number>()
    for (const route of routes) {
      app.on(route.method ?? 'GET', route.path, cache.responseCache(optionsOf(route, cache.service)), (c) => {
        const answer = reply(route, runs, {
          host: new URL(c.req.url).host,
          cookie: c.req.header('cookie'),
          language: c.req.header('accept-language'),
        })
        return c.body(answer.body, answer.status as 200, answer.headers)
      })
    }
    return serverApp(serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server, cache, runs)
  },
}

/** The frameworks, each supported major, for `describe.each`. */
export const SAFETY_FRAMEWORKS: readonly SafetyFramework[] = [
  ...EXPRESS_MAJORS.map(({ label, module }) => expressFramework(label, module)),
  ...FASTIFY_MAJORS.map(({ label, module }) => fastifyFramework(label, module)),
  honoFramework,
]
