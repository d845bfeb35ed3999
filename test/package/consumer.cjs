// Loads the built package through its exports map as a CommonJS consumer would.
const assert = require('node:assert/strict')
const root = require('resilient-cache')
const testing = require('resilient-cache/testing')
assert.equal(typeof root.CacheService, 'function')
assert.equal(typeof root.CacheFactoryConfig.fromEnv, 'function')
assert.equal(typeof testing.runL2BackendConformance, 'function')
const loaded = Object.keys(require.cache)
const optionalPeers = ['ioredis', 'iovalkey', 'msgpackr', 'express', 'fastify', 'hono']
for (const optional of [...optionalPeers, 'http-cache-semantics', '@opentelemetry/api', 'prom-client']) {
  assert.ok(
    !loaded.some((path) => path.includes(`/node_modules/${optional}/`)),
    `${optional} loaded at import`,
  )
}

// Each integration shares the root entry's classes: a root CacheService is accepted as is, and its
// configuration errors are the root's CacheConfigurationError.
const expressIntegration = require('resilient-cache/express')
const fastifyIntegration = require('resilient-cache/fastify')
const honoIntegration = require('resilient-cache/hono')
const otel = require('resilient-cache/otel')
const prometheus = require('resilient-cache/prometheus')
const keyvStore = require('resilient-cache/keyv')
assert.equal(typeof otel.instrumentOpenTelemetry, 'function')
assert.equal(typeof prometheus.createPrometheusMetrics, 'function')
assert.equal(typeof expressIntegration.ExpressCacheService, 'function')
assert.equal(typeof keyvStore.createKeyvStore, 'function')
assert.ok(!Object.keys(require.cache).some((path) => path.includes('/node_modules/keyv/')), 'keyv loaded')
assert.equal(typeof expressIntegration.getCacheService, 'function')
assert.equal(typeof fastifyIntegration.default, 'function')
assert.equal(fastifyIntegration.default, fastifyIntegration.fastifyResilientCache)
assert.equal(typeof honoIntegration.HonoCacheService, 'function')
// One build for the shared code: the three integrations export the very same function, not copies.
assert.equal(typeof expressIntegration.checkCacheHealth, 'function')
assert.equal(expressIntegration.checkCacheHealth, fastifyIntegration.checkCacheHealth)
assert.equal(expressIntegration.checkCacheHealth, honoIntegration.checkCacheHealth)
assert.throws(
  () => new honoIntegration.HonoCacheService({ env: { CACHE_REDIS_PORT: 'abc' } }),
  root.CacheConfigurationError,
)

const express = require('express')
const service = new root.CacheService({ logger: root.silentLogger })
const app = express()
new expressIntegration.ExpressCacheService({ service }).initApp(app)
assert.equal(expressIntegration.getCacheService(app), service)

const metrics = prometheus.createPrometheusMetrics(service)
const cache = service.createCache({ l2Enabled: false, l1Enabled: true })
// The store accepts the root entry's caches: one ResilientTwoLevelCache class for both entries.
const store = keyvStore.createKeyvStore(cache)
assert.throws(() => keyvStore.createKeyvStore({}), root.CacheConfigurationError)
store
  .set('k', 1)
  .then(() => store.get('k'))
  .then((value) => assert.equal(value, 1))
  .then(() => metrics.scrape())
  .then(({ body }) => {
    assert.match(body, /resilient_cache_operations_total\{cache="l1-1",layer="l1",result="hit"\} 1/)
    metrics.close()
    return service.close()
  })
  .then(() => console.log('cjs ok'))
