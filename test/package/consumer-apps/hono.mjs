import { once } from 'node:events'
import { createServer } from 'node:http'
import { Hono } from 'hono'
import { HonoCacheService } from 'resilient-cache/hono'
import { assertCachedTwice, assertL2RoundTrip, installedVersion, waitForL2 } from './common.mjs'

const redisUrl = process.env.REDIS_URL
await assertL2RoundTrip(redisUrl)
const cache = new HonoCacheService({ config: { l2Url: redisUrl } })
await waitForL2(cache.service)
const app = new Hono()
app.use(cache.middleware())
let runs = 0
app.get('/products', cache.responseCache({ ttl: 30 }), (c) => {
  runs += 1
  return c.json({ runs, page: c.req.query('page') })
})
app.get('/health', cache.healthHandler())
// A bare node:http adapter, so the project needs nothing but hono itself.
const server = createServer(async (request, response) => {
  const answer = await app.fetch(new Request(`http://127.0.0.1${request.url}`, { method: request.method }))
  response.writeHead(answer.status, Object.fromEntries(answer.headers))
  response.end(Buffer.from(await answer.arrayBuffer()))
})
server.listen(0, '127.0.0.1')
await once(server, 'listening')
await assertCachedTwice(`http://127.0.0.1:${server.address().port}`)
server.close()
await cache.close()
console.log(`consumer ok: hono ${installedVersion('hono')}`)
