/**
 * resilient-cache as a Keyv store under cache-manager 7 and cacheable: the calls an application on
 * cache-manager already makes (wrap, set with a TTL, mset / mget, del, clear) and cacheable's layers,
 * now with an L1 in front of Redis, timeouts and the circuit breaker.
 *
 *   make example-keyv                                     # starts a private redis-server too
 *   CACHE_REDIS_URL=redis://127.0.0.1:6379/0 npm run example:keyv
 */
import { createCache } from 'cache-manager'
import { Cacheable } from 'cacheable'
import Keyv from 'keyv'
import { CacheFactoryConfig, CacheService } from 'resilient-cache'
import { createKeyvStore } from 'resilient-cache/keyv'
import { exampleRedis } from './shared/example-redis.js'

const redis = await exampleRedis()
const overrides = redis.privateUrl === undefined ? {} : { l2Url: redis.privateUrl }
const service = new CacheService(
  CacheFactoryConfig.fromEnv(process.env, { l2CommandTimeout: '200ms', ...overrides }),
)
console.log(`L2: ${redis.description}`)

// One cache of the service per concern; each Keyv store sits on one of them.
const users = service.createCache({ l2KeyPrefix: 'users', l1Enabled: true })
const sessions = service.createCache({ l2KeyPrefix: 'sessions', l1Enabled: true })

// cache-manager 7. Keyv's serialization off: the cache's serializer encodes each value once.
const cache = createCache({
  stores: [new Keyv({ store: createKeyvStore(users), serialize: undefined, deserialize: undefined })],
  ttl: 60_000, // milliseconds, as everywhere in cache-manager
})

let queries = 0
const findUser = async (id: number) => {
  queries++
  return { id, name: id === 1 ? 'Ada' : 'Grace' }
}
const first = await cache.wrap('user:1', () => findUser(1))
const again = await cache.wrap('user:1', () => findUser(1))
console.log(`wrap('user:1') twice -> ${first.name}, ${again.name} (database queries: ${queries})`)

await cache.set('user:2', await findUser(2), 5_000)
// The cache's getTtl is in seconds; Keyv's key is namespaced: 'keyv:user:2'.
const remainingS = (await users.getTtl('keyv:user:2')) ?? 0
console.log(`set('user:2', …, 5000 ms) -> expires in ${Math.ceil(remainingS)} s`)

await cache.mset([
  { key: 'flag:a', value: true },
  { key: 'flag:b', value: false },
])
console.log(
  `mget(['flag:a', 'flag:b', 'flag:c']) -> ${(await cache.mget(['flag:a', 'flag:b', 'flag:c'])).map(String).join(', ')}`,
)

await cache.del('flag:a')
console.log(`del('flag:a'), then get -> ${String(await cache.get('flag:a'))}`)

// What cache-manager wrote is in the cache like anything else: its stats, events and keys.
const { l1 } = users.getStats()
console.log(`users: L1 hits ${l1.hits}, keys ${JSON.stringify(await users.listKeys('keyv:'))}`)

// cacheable: the store as its secondary layer, behind its in-memory primary.
const cacheable = new Cacheable({ secondary: new Keyv({ store: createKeyvStore(sessions) }) })
await cacheable.set('session:1', { user: 1 }, '30m')
const fresh = new Cacheable({ secondary: new Keyv({ store: createKeyvStore(sessions) }) })
console.log(
  `another cacheable reads session:1 from the shared store -> ${JSON.stringify(await fresh.get('session:1'))}`,
)

// clear() removes the store's namespace in this cache, nothing else.
await cache.clear()
console.log(`cache.clear() -> keys left under 'keyv:': ${(await users.listKeys('keyv:')).length}`)

// The service is the application's: close it at shutdown (cache.disconnect() leaves it open).
await cache.disconnect()
await service.close()
await redis.stop()
console.log('done')
