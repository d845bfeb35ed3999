import Fastify from 'fastify'
import resilientCache, { cacheHealthHandler } from 'resilient-cache/fastify'
import { assertCachedTwice, assertL2RoundTrip, installedVersion, waitForL2 } from './common.mjs'

const redisUrl = process.env.REDIS_URL
await assertL2RoundTrip(redisUrl)
const app = Fastify()
await app.register(resilientCache, { config: { l2Url: redisUrl } })
await waitForL2(app.cacheService)
let runs = 0
app.get('/products', { config: { responseCache: { ttl: 30 } } }, async (request) => {
  runs += 1
  return { runs, page: request.query.page }
})
app.get('/health', cacheHealthHandler)
await assertCachedTwice(await app.listen({ port: 0, host: '127.0.0.1' }))
await app.close()
console.log(`consumer ok: fastify ${installedVersion('fastify')}`)
