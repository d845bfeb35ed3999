/**
 * resilient-cache in an Express app, after the original's `examples/flask_usage.py`: the service wired
 * in from app settings, the `/user/<id>` read-through with invalidation on update, a response-cached
 * route, the health endpoint, Prometheus metrics and the cache dashboard.
 *
 *   make example-express                                   # starts a private redis-server too
 *   CACHE_REDIS_URL=redis://127.0.0.1:6379/0 PORT=3000 npx tsx examples/express-usage.ts
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
import type { AddressInfo } from 'node:net'
import express from 'express'
import { ExpressCacheService, getCacheService } from 'resilient-cache/express'
import { createPrometheusMetrics } from 'resilient-cache/prometheus'
import { examplePort, exampleRedis, onShutdownSignal } from './shared/example-redis.js'
import { getUser, listProducts, USERS_CACHE_OPTIONS, type User, updateUser } from './shared/users-db.js'

const redis = await exampleRedis()
const app = express()
app.use(express.json())
// The original's app.config: CACHE_* keys as app settings; the environment fills in the rest.
if (redis.privateUrl !== undefined) app.set('CACHE_REDIS_URL', redis.privateUrl)
app.set('CACHE_REDIS_COMMAND_TIMEOUT', '200ms')

const cacheExtension = new ExpressCacheService()
cacheExtension.initApp(app) // a bad CACHE_* setting stops the app here, naming the setting
const users = getCacheService(app).createCache<User>(USERS_CACHE_OPTIONS)

app.get('/user/:id', async (req, res) => {
  const found = await getUser(users, Number(req.params.id))
  if (found === undefined) res.status(404).json({ error: 'no such user' })
  else res.json(found)
})

app.put('/user/:id', async (req, res) => {
  // Any handler reaches the service through its app: getCacheService(req).
  const cache = getCacheService(req).getCache<User>('users') ?? users
  const updated = await updateUser(cache, Number(req.params.id), req.body ?? {})
  if (updated === undefined) res.status(404).json({ error: 'no such user' })
  else res.json({ updated })
})

app.get('/products', cacheExtension.responseCache({ ttl: 30 }), (_req, res) => {
  res.json(listProducts())
})

app.get('/health/cache', cacheExtension.healthHandler())

// Operational pages: this example listens on 127.0.0.1 only; in production put them behind your admin
// authentication, like any admin page.
const prometheus = createPrometheusMetrics(getCacheService(app))
app.get('/metrics', prometheus.nodeHandler)
app.use('/cache/dashboard', cacheExtension.dashboard())

const server = app.listen(examplePort(), '127.0.0.1')
await once(server, 'listening')
console.log(`L2: ${redis.description}`)
console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`)

onShutdownSignal(async () => {
  // Waits for requests in progress; idle keep-alive connections are closed at once.
  await new Promise<void>((resolve) => server.close(() => resolve()))
  prometheus.close()
  await cacheExtension.close() // stops the dashboard, closes the service initApp created
  await redis.stop()
})
