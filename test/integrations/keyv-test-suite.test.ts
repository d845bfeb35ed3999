import keyvTestSuite, { keyvIteratorTests } from '@keyv/test-suite'
import Keyv from 'keyv'
import { CacheService, type ResilientTwoLevelCache, silentLogger } from 'resilient-cache'
import { createKeyvStore } from 'resilient-cache/keyv'
import * as vitest from 'vitest'
import { useRedisServer } from '../helpers/services.js'

// Keyv's own compliance suite (API, values, namespaces, iterator), as official stores run it, against
// the store over a real redis-server: once with L1 in front, once with L2 alone, so that both read
// paths answer every test.
const redis = useRedisServer()

for (const l1Enabled of [true, false]) {
  vitest.describe(`@keyv/test-suite over createKeyvStore (${l1Enabled ? 'L1 + L2' : 'L2 only'})`, () => {
    let service: CacheService
    let cache: ResilientTwoLevelCache<unknown>
    vitest.beforeAll(() => {
      service = new CacheService({ logger: silentLogger, l2Url: redis.server.url, l2CommandTimeout: 0.5 })
      cache = service.createCache({ l2KeyPrefix: l1Enabled ? 'keyv-l1' : 'keyv-l2', l1Enabled })
    })
    vitest.afterAll(async () => {
      await service.close()
    })
    const store = () => createKeyvStore(cache)
    keyvTestSuite(vitest, Keyv, store)
    keyvIteratorTests(vitest, Keyv, store)
  })
}
