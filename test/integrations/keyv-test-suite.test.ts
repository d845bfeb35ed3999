import keyvTestSuite, { keyvIteratorTests } from '@keyv/test-suite'
import Keyv, { type KeyvOptions } from 'keyv'
import { CacheService, type ResilientTwoLevelCache, silentLogger } from 'resilient-cache'
import { createKeyvStore } from 'resilient-cache/keyv'
import * as vitest from 'vitest'
import { useRedisServer } from '../helpers/services.js'

// Keyv's own compliance suite (API, values, namespaces, iterator), as official stores run it, against
// the store over a real redis-server: with L1 in front and with L2 alone, so that both read paths
// answer every test; and in the setup the docs recommend, Keyv's serialization off.
const redis = useRedisServer()

/** Keyv with its serialization off unless a test sets its own: the store gets raw records. */
class KeyvWithoutSerialization extends Keyv {
  constructor(options?: KeyvOptions) {
    super({ serialize: undefined, deserialize: undefined, ...options })
  }
}

const setups = [
  { title: 'L1 + L2', l1Enabled: true, serializer: 'json', keyv: Keyv },
  { title: 'L2 only', l1Enabled: false, serializer: 'json', keyv: Keyv },
  // msgpack: raw records hold Buffers, which it round-trips and JSON does not.
  {
    title: "L1 + L2, Keyv's serialization off, msgpack",
    l1Enabled: true,
    serializer: 'msgpack',
    keyv: KeyvWithoutSerialization,
  },
  {
    title: "L2 only, Keyv's serialization off, msgpack",
    l1Enabled: false,
    serializer: 'msgpack',
    keyv: KeyvWithoutSerialization,
  },
] as const

for (const [index, setup] of setups.entries()) {
  vitest.describe(`@keyv/test-suite over createKeyvStore (${setup.title})`, () => {
    let service: CacheService
    let cache: ResilientTwoLevelCache<unknown>
    vitest.beforeAll(() => {
      service = new CacheService({ logger: silentLogger, l2Url: redis.server.url, l2CommandTimeout: 0.5 })
      cache = service.createCache({
        l2KeyPrefix: `keyv-${index}`,
        l1Enabled: setup.l1Enabled,
        serializer: setup.serializer,
      })
    })
    vitest.afterAll(async () => {
      await service.close()
    })
    const store = () => createKeyvStore(cache)
    keyvTestSuite(vitest, setup.keyv, store)
    keyvIteratorTests(vitest, setup.keyv, store)
  })
}
