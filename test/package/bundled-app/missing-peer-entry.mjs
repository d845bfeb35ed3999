// Bundled with ioredis left out (external) and run where it is not installed: the service must say
// which package is missing, keep serving from L1, and never throw because of it.
import assert from 'node:assert/strict'
import { CacheService } from 'resilient-cache'

const errors = []
const logger = { debug() {}, info() {}, warn() {}, error: (fields) => errors.push(String(fields.error)) }
const service = new CacheService({ l2Url: process.env.REDIS_URL, logger })
const cache = service.createCache({ l2KeyPrefix: 'missing-peer', l1Enabled: true })
await cache.set('k', 1)
assert.equal(await cache.get('k'), 1)
assert.equal(await service.ping(), false)
assert.equal(service.getStats().l2.status, 'client-library-missing')
assert.deepEqual(errors, [
  "Invalid cache configuration: l2Backend: The 'redis' L2 backend needs the optional package 'ioredis', which is not installed. Run: npm install ioredis",
])
await service.close()
console.log('missing peer reported')
