/**
 * resilient-cache in a Hono app on Node.js: middleware that sets `c.var.cacheService`, the `/user/<id>`
 * read-through with invalidation on update, a response-cached route, the health endpoint, Prometheus
 * metrics and the cache dashboard.
 *
 *   make example-hono                                      # starts a private redis-server too
 *   CACHE_REDIS_URL=redis://127.0.0.1:6379/0 PORT=3000 npx tsx examples/hono-usage.ts
 *
 *   curl -i http://127.0.0.1:3000/user/1                   # database, then cache
 *   curl -i -X PUT -H 'content-type: application/json' -d '{"name":"Ada Lovelace"}' http://127.0.0.1:3000/user/1
 *   curl -i http://127.0.0.1:3000/products                 # X-Cache: MISS, then HIT
 *   curl -i -H 'Cookie: session=1' http://127.0.0.1:3000/products   # X-Cache: BYPASS: never shared
 *   curl -i http://127.0.0.1:3000/health/cache
 *   curl http://127.0.0.1:3000/metrics                     # Prometheus text format
 *   open http://127.0.0.1:3000/cache/dashboard             # in a browser
 *
 * Listens on 127.0.0.1 only; stops on SIGTERM or Ctrl-C.
 */
import { once } from 'node:events'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { type CacheEnv, HonoCacheService } from 'resilient-cache/hono'
import { createPrometheusMetrics } from 'resilient-cache/prometheus'
import { examplePort, exampleRedis, onShutdownSignal } from './shared/example-redis.js'
import { getUser, listProducts, USERS_CACHE_OPTIONS, type User, updateUser } from './shared/users-db.js'

const redis = await exampleRedis()
// Middleware options win over the CACHE_* environment variables, which fill in the rest. A bad
// setting throws here, before the server starts.
const cacheExtension = new HonoCacheService({
  config: { l2Url: redis.privateUrl, l2CommandTimeout: '200ms' },
})
const users = cacheExtension.service.createCache<User>(USERS_CACHE_OPTIONS)

const app = new Hono<CacheEnv>()
app.use(cacheExtension.middleware())

app.get('/user/:id', async (c) => {
  const found = await getUser(users, Number(c.req.param('id')))
  return found === undefined ? c.json({ error: 'no such user' }, 404) : c.json(found)
})

app.put('/user/:id', async (c) => {
  // Any handler reaches the service as c.var.cacheService.
  const cache = c.var.cacheService.getCache<User>('users') ?? users
  const updated = await updateUser(cache, Number(c.req.param('id')), await c.req.json<Partial<User>>())
  return updated === undefined ? c.json({ error: 'no such user' }, 404) : c.json({ updated })
})

app.get('/products', cacheExtension.responseCache({ ttl: 30 }), (c) => c.json(listProducts()))

app.get('/health/cache', cacheExtension.healthHandler())

// Operational pages: this example listens on 127.0.0.1 only; in production put them behind your admin
// authentication, like any admin page.
const prometheus = createPrometheusMetrics(cacheExtension.service)
app.get('/metrics', () => prometheus.fetchHandler())
app.route('/cache/dashboard', cacheExtension.dashboard())

const server = serve({ fetch: app.fetch, port: examplePort(), hostname: '127.0.0.1' }) as Server
await once(server, 'listening')
console.log(`L2: ${redis.description}`)
console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`)

onShutdownSignal(async () => {
  // Waits for requests in progress; idle keep-alive connections are closed at once.
  await new Promise<void>((resolve) => server.close(() => resolve()))
  prometheus.close()
  await cacheExtension.close() // stops the dashboard, closes the service the constructor created
  await redis.stop()
})
