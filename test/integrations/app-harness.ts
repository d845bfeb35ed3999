/**
 * What the three framework test files share: the routes every test app serves (framework-neutral
 * behaviour, mapped onto each framework by its own file), and the handle a test gets on a running app.
 */
import type { Server } from 'node:http'
import type { CacheIntegrationOptions } from '../../src/addons/integrations/integration-service.js'
import type { ResponseCacheOptions } from '../../src/addons/integrations/response-cache/options.js'
import type { ResponseCacheStats } from '../../src/addons/integrations/response-cache/response-cache.js'
import type { CacheFactoryConfigOptions, CacheService } from '../../src/index.js'
import { closeHttpServer, loopbackUrl } from '../helpers/http-server.js'

/** A reply a route produces: a body with its headers, or a value the framework serializes as JSON. */
export type RouteReply =
  | { status: number; headers: Record<string, string>; body: string | Uint8Array }
  | { status: number; headers: Record<string, string>; json: unknown }

/** A running test app. */
export interface AppUnderTest {
  /** `http://127.0.0.1:<port>` */
  baseUrl: string
  service: CacheService
  responseCacheStats(): ResponseCacheStats
  /** Stops the HTTP server, then closes the integration. */
  close(): Promise<void>
}

/** What the Express and Hono integrations have in common: a service, counters and `close()`. */
interface ClosableIntegration {
  readonly service: CacheService
  readonly responseCacheStats: ResponseCacheStats
  close(): Promise<void>
}

/** The handle on an app served by a plain Node.js server, closed before its integration. */
export async function serverAppUnderTest(
  server: Server,
  integration: ClosableIntegration,
): Promise<AppUnderTest> {
  return {
    baseUrl: await loopbackUrl(server),
    service: integration.service,
    responseCacheStats: () => integration.responseCacheStats,
    close: () => closeHttpServer(server).then(() => integration.close()),
  }
}

/** Starts one framework's test app with these routes and this service configuration. */
export type StartApp = (routes: TestRoutes, config: CacheFactoryConfigOptions) => Promise<AppUnderTest>

/** The integration alone, booted as its framework boots it; closing it is closing the app. */
export interface BootedIntegration {
  service: CacheService
  close(): Promise<void>
}

/** Boots one framework's integration with these options; rejects when the boot fails. */
export type BootIntegration = (options: CacheIntegrationOptions) => Promise<BootedIntegration>

/** How the shared suite drives one framework. */
export interface FrameworkUnderTest {
  start: StartApp
  boot: BootIntegration
}

/** Response caching options of the cached test routes: a small body limit for the size rule. */
export const ROUTE_CACHE_OPTIONS: ResponseCacheOptions = {
  ttl: 30,
  maxBodyBytes: 4096,
  // Every page is tagged 'pages'; the JSON one also 'products' (a function of the request).
  tags: (request) => (request.target.startsWith('/json') ? ['pages', 'products'] : ['pages']),
}

/** Every byte value once, which is not valid UTF-8: the body must still round-trip exactly. */
export const BINARY_BYTES = Uint8Array.from({ length: 256 }, (_, index) => index)

/** A user of the handler-access routes. */
export interface User {
  id: string
  name: string
}

/**
 * The routes of a test app and what they did. Each cached route's body names how many times its
 * handler ran, so a hit that returns the first body proves the handler did not run again.
 */
export class TestRoutes {
  /** Handler runs per route path (and `db` for user loads). */
  readonly runs = new Map<string, number>()
  /** Paths and producers of the routes that have response caching on. */
  readonly cached: ReadonlyArray<{ path: string; produce: (query: URLSearchParams) => Promise<RouteReply> }>
  #openGate: () => void = () => {}
  #gate: Promise<void> = Promise.resolve()
  readonly #names = new Map<string, string>([['1', 'Ada']])

  constructor() {
    const text = (path: string, headers: Record<string, string> = {}, status = 200) => ({
      path,
      produce: async (): Promise<RouteReply> => ({
        status,
        headers: { 'content-type': 'text/plain; charset=utf-8', ...headers },
        body: `${path} run ${this.#count(path)}`,
      }),
    })
    this.cached = [
      text('/text', { etag: '"v1"' }),
      {
        path: '/json',
        produce: async () => ({
          status: 200,
          headers: {},
          json: { route: '/json', run: this.#count('/json') },
        }),
      },
      {
        path: '/binary',
        produce: async () => ({
          status: 200,
          headers: { 'content-type': 'application/octet-stream' },
          body: Uint8Array.of(...BINARY_BYTES, this.#count('/binary')),
        }),
      },
      text('/search'),
      text('/no-store', { 'cache-control': 'no-store' }),
      text('/private', { 'cache-control': 'private, max-age=60' }),
      text('/cookie', { 'set-cookie': 'session=abc; HttpOnly' }),
      text('/vary', { vary: 'Accept-Language' }),
      text('/missing', {}, 404),
      text('/failing', {}, 500),
      {
        path: '/large',
        produce: async () => ({
          status: 200,
          headers: { 'content-type': 'text/plain' },
          body: `${this.#count('/large')}`.padEnd(5000, '.'),
        }),
      },
      this.#gated('/slow'),
      this.#gated('/slow-private', { 'cache-control': 'private' }),
    ]
  }

  /** How many times a route's handler ran. */
  count(path: string): number {
    return this.runs.get(path) ?? 0
  }

  /** From now on, `/slow` and `/slow-private` wait until {@link openGate}. */
  closeGate(): void {
    this.#gate = new Promise((resolve) => {
      this.#openGate = resolve
    })
  }

  openGate(): void {
    this.#openGate()
  }

  /** The original's read-through: the cache first, the "database" on a miss, then `set`. */
  async readUser(service: CacheService, id: string): Promise<RouteReply> {
    const users = usersCache(service)
    const key = `user_${id}`
    let user = await users.get(key)
    const source = user === undefined ? 'database' : 'cache'
    if (user === undefined) {
      this.#count('db')
      const name = this.#names.get(id)
      if (name === undefined) return { status: 404, headers: {}, json: { error: 'not found' } }
      user = { id, name }
      await users.set(key, user)
    }
    return { status: 200, headers: {}, json: { user, source } }
  }

  /** Update the source of truth, then invalidate the cached copy. */
  async renameUser(service: CacheService, id: string, name: string): Promise<RouteReply> {
    this.#names.set(id, name)
    await usersCache(service).delete(`user_${id}`)
    return { status: 200, headers: {}, json: { updated: id } }
  }

  /** A route that waits for {@link openGate} before it answers. */
  #gated(path: string, headers: Record<string, string> = {}) {
    return {
      path,
      produce: async (): Promise<RouteReply> => {
        const run = this.#count(path)
        await this.#gate
        return {
          status: 200,
          headers: { 'content-type': 'text/plain', ...headers },
          body: `${path} run ${run}`,
        }
      },
    }
  }

  #count(path: string): number {
    const run = this.count(path) + 1
    this.runs.set(path, run)
    return run
  }
}

function usersCache(service: CacheService) {
  return (
    service.getCache<User>('users') ?? service.createCache<User>({ l2KeyPrefix: 'users', l1Enabled: true })
  )
}
