import assert from 'node:assert/strict'
import { CacheService, silentLogger } from 'resilient-cache'
import { createPrometheusMetrics } from 'resilient-cache/prometheus'
import { assertL2RoundTrip, installedVersion, waitForL2 } from './common.mjs'

const redisUrl = process.env.REDIS_URL
await assertL2RoundTrip(redisUrl)
const service = new CacheService({ l2Url: redisUrl, logger: silentLogger })
await waitForL2(service)
const users = service.createCache({ l2KeyPrefix: 'users', l1Enabled: true })
await users.set('u1', { name: 'Ada' })
assert.deepEqual(await users.get('u1'), { name: 'Ada' })
const metrics = createPrometheusMetrics(service)
const { body } = await metrics.scrape()
assert.match(body, /resilient_cache_l1_size\{cache="users"\} 1/)
metrics.close()
await service.close()
console.log(`consumer ok: prom-client ${installedVersion('prom-client')}`)
