import { afterEach, describe, it } from 'vitest'
import { runL1BackendConformance, runL2BackendConformance } from '../../src/addons/testing/index.js'
import { lruL1Backend, ttlL1Backend } from '../../src/backends/l1/lru-cache-backend.js'
import { redisL2Backend, valkeyL2Backend } from '../../src/backends/l2/redis/redis-backend.js'
import { CacheFactoryConfig } from '../../src/config/factory-config.js'
import { silentLogger } from '../../src/kernel/logger.js'
import { useRedisServer } from '../helpers/services.js'

const redis = useRedisServer()
const test = { describe, it, afterEach }

runL1BackendConformance('ttl', ttlL1Backend, test, { expires: true })
runL1BackendConformance('lru', lruL1Backend, test, { expires: false })

for (const [name, factory] of [
  ['redis', redisL2Backend],
  ['valkey', valkeyL2Backend],
] as const) {
  runL2BackendConformance(
    name,
    () =>
      factory({ config: new CacheFactoryConfig({ l2Url: redis.server.url }).resolved, logger: silentLogger }),
    test,
  )
}
