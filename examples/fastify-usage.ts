/**
 * resilient-cache in a Fastify app: the plugin decorates `fastify.cacheService` and closes it with the
 * app; the `/user/<id>` read-through with invalidation on update, a response-cached route, and the
 * health endpoint, Prometheus metrics and the cache dashboard.
 *
 *   make example-fastify                                   # starts a private redis-server too
 *   CACHE_REDIS_URL=redis://127.0.0.1:6379/0 PORT=3000 npx tsx examples/fastify-usage.ts
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
import Fastify from 'fastify'
import resilientCache, { cacheHealthHandler } from 'resilient-cache/fastify'
import { createPrometheusMetrics } from 'resilient-cache/prometheus'
import { examplePort, exampleRedis, onShutdownSignal } from './shared/example-redis.js'
import { getUser, listProducts, USERS_CACHE_OPTIONS, type User, updateUser } from './shared/users-db.js'

const redis = await exampleRedis()
const app = Fastify()
// Plugin options win over the CACHE_* environment variables, which fill in the rest.
await app.register(resilientCache, {
  config: { l2Url: redis.privateUrl, l2CommandTimeout: '200ms' },
  responseCache: { ttl: 30 },
  // The dashboard at /cache/dashboard (see the note on /metrics below).
  dashboard: true,
})
const users = app.cacheService.createCache<User>(USERS_CACHE_OPTIONS)

app.get<{ Params: { id: string } }>('/user/:id', async (request, reply) => {
  const found = await getUser(users, Number(request.params.id))
  return found ?? reply.code(404).send({ error: 'no such user' })
})

app.put<{ Params: { id: string }; Body: Partial<User> }>('/user/:id', async function (request, reply) {
  // Any handler reaches the service as this.cacheService (or request.server.cacheService).
  const cache = this.cacheService.getCache<User>('users') ?? users
  const updated = await updateUser(cache, Number(request.params.id), request.body ?? {})
  return updated === undefined ? reply.code(404).send({ error: 'no such user' }) : { updated }
})

app.get('/products', { config: { responseCache: true } }, async () => listProducts())

app.get('/health/cache', cacheHealthHandler)

// Operational pages: this example listens on 127.0.0.1 only; in production put them behind your admin
// authentication, like any admin page.
const prometheus = createPrometheusMetrics(app.cacheService)
app.get('/metrics', prometheus.fastifyHandler)
app.addHook('onClose', async () => prometheus.close())

const address = await app.listen({ port: examplePort(), host: '127.0.0.1' })
console.log(`L2: ${redis.description}`)
console.log(`listening on ${address}`)

onShutdownSignal(async () => {
  await app.close() // closes the server, then the service the plugin created (onClose)
  await redis.stop()
})
