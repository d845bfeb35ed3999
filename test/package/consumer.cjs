// Loads the built package through its exports map as a CommonJS consumer would.
const assert = require('node:assert/strict')
const root = require('resilient-cache')
const testing = require('resilient-cache/testing')
assert.equal(typeof root.CacheService, 'function')
assert.equal(typeof root.CacheFactoryConfig.fromEnv, 'function')
assert.equal(typeof testing.runL2BackendConformance, 'function')
const loaded = Object.keys(require.cache)
for (const optional of ['ioredis', 'iovalkey', 'msgpackr']) {
  assert.ok(
    !loaded.some((path) => path.includes(`/node_modules/${optional}/`)),
    `${optional} loaded at import`,
  )
}
const service = new root.CacheService({ logger: root.silentLogger })
const cache = service.createCache({ l2Enabled: false, l1Enabled: true })
cache
  .set('k', 1)
  .then(() => cache.get('k'))
  .then((value) => {
    assert.equal(value, 1)
    return service.close()
  })
  .then(() => console.log('cjs ok'))
