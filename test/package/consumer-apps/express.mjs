import { once } from 'node:events'
import express from 'express'
import { ExpressCacheService } from 'resilient-cache/express'
import {
  assertCachedTwice,
  assertL2RoundTrip,
  assertSubpathNamesMissingPeer,
  installedVersion,
  waitForL2,
} from './common.mjs'

const redisUrl = process.env.REDIS_URL
await assertL2RoundTrip(redisUrl)
// This project has neither metrics library.
await assertSubpathNamesMissingPeer('resilient-cache/prometheus', 'prom-client')
await assertSubpathNamesMissingPeer('resilient-cache/otel', '@opentelemetry/api')
const app = express()
const cache = new ExpressCacheService({ config: { l2Url: redisUrl } })
await waitForL2(cache.initApp(app))
let runs = 0
app.get('/products', cache.responseCache({ ttl: 30 }), (req, res) => {
  runs += 1
  res.json({ runs, page: req.query.page })
})
app.get('/health', cache.healthHandler())
const server = app.listen(0, '127.0.0.1')
await once(server, 'listening')
await assertCachedTwice(`http://127.0.0.1:${server.address().port}`)
server.close()
await cache.close()
console.log(`consumer ok: express ${installedVersion('express')}`)
