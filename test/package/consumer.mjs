// Loads the built package through its exports map as an ES module consumer would.
import assert from 'node:assert/strict'
import { CacheService, isCacheConfigurationError, silentLogger } from 'resilient-cache'
import { runL1BackendConformance } from 'resilient-cache/testing'

assert.equal(typeof runL1BackendConformance, 'function')
const service = new CacheService({ logger: silentLogger })
const cache = service.createCache({ l2Enabled: false, l1Enabled: true })
await cache.set('k', { ok: true })
assert.deepEqual(await cache.get('k'), { ok: true })
await service.close()
try {
  new CacheService({ l2Port: 0 })
  assert.fail('expected a configuration error')
} catch (error) {
  assert.ok(isCacheConfigurationError(error))
}
console.log('esm ok')
