// Loads the built package through its exports map as an ES module consumer would.
import assert from 'node:assert/strict'
import Fastify from 'fastify'
import {
  CacheConfigurationError,
  CacheService,
  isCacheConfigurationError,
  silentLogger,
} from 'resilient-cache'
import { checkCacheHealth, ExpressCacheService, getCacheService } from 'resilient-cache/express'
import resilientCache, {
  cacheHealthHandler,
  checkCacheHealth as checkCacheHealthOfFastify,
} from 'resilient-cache/fastify'
import { checkCacheHealth as checkCacheHealthOfHono, HonoCacheService } from 'resilient-cache/hono'
import { createKeyvStore, ResilientKeyvStore } from 'resilient-cache/keyv'
import { instrumentOpenTelemetry } from 'resilient-cache/otel'
import { createPrometheusMetrics } from 'resilient-cache/prometheus'
import { runL1BackendConformance } from 'resilient-cache/testing'

assert.equal(typeof runL1BackendConformance, 'function')
const service = new CacheService({ logger: silentLogger })
const cache = service.createCache({ l2Enabled: false, l1Enabled: true })
await cache.set('k', { ok: true })
assert.deepEqual(await cache.get('k'), { ok: true })
const store = createKeyvStore(cache)
assert.ok(store instanceof ResilientKeyvStore)
assert.deepEqual(await store.get('k'), { ok: true })
// Without an SDK, the OpenTelemetry API's global provider is a no-op: instrumenting must still work.
instrumentOpenTelemetry(service).close()
const prometheus = createPrometheusMetrics(service)
assert.match((await prometheus.scrape()).body, /resilient_cache_l1_size\{cache="l1-1"\} 1/)
prometheus.close()
try {
  new CacheService({ l2Port: 0 })
  assert.fail('expected a configuration error')
} catch (error) {
  assert.ok(isCacheConfigurationError(error))
}

// The integrations share the root entry's classes.
assert.equal(typeof ExpressCacheService, 'function')
assert.equal(typeof getCacheService, 'function')
assert.equal(typeof cacheHealthHandler, 'function')
// One build for the shared code: the three integrations export the very same function, not copies.
assert.equal(checkCacheHealth, checkCacheHealthOfFastify)
assert.equal(checkCacheHealth, checkCacheHealthOfHono)
assert.throws(() => new HonoCacheService({ env: { CACHE_REDIS_PORT: 'abc' } }), CacheConfigurationError)
const app = Fastify()
await app.register(resilientCache, { service })
assert.equal(app.cacheService, service)
await app.close()
await service.close()
console.log('esm ok')
