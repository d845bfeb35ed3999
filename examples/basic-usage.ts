/**
 * Framework-agnostic usage of resilient-cache, after the seed's `examples/basic_usage.py`: one service,
 * the seed's cache patterns, read-through with a loader, invalidation on update, the other cache
 * operations, and the health and capacity checks an application runs from its stats.
 *
 *   CACHE_REDIS_URL=redis://127.0.0.1:6379/0 npx tsx examples/basic-usage.ts
 *
 * Redis: `CACHE_REDIS_URL` when set (the other `CACHE_*` variables are read too); else a private
 * redis-server started on a free loopback port when one is installed; else none, and every cache runs
 * L1-only. The example never falls back to a Redis on localhost:6379 it was not told about.
 */
import { CacheFactoryConfig, CacheService, type ResilientTwoLevelCache } from '../src/index.js'
import { RedisServer } from '../test/helpers/redis-server.js'

interface User {
  id: number
  name: string
  email: string
}

const say = (text = '') => console.log(text)
const step = (title: string) => say(`\n== ${title}`)

// ---------------------------------------------------------------------------------------------------------
// A pretend database, so the example shows when the cache saves a query.
// ---------------------------------------------------------------------------------------------------------

const usersTable = new Map<number, User>([
  [1, { id: 1, name: 'Ada', email: 'ada@example.com' }],
  [2, { id: 2, name: 'Grace', email: 'grace@example.com' }],
])
let databaseQueries = 0

async function loadUserFromDb(id: number): Promise<User | undefined> {
  databaseQueries++
  await new Promise((resolve) => setTimeout(resolve, 5))
  const row = usersTable.get(id)
  return row === undefined ? undefined : { ...row }
}

// ---------------------------------------------------------------------------------------------------------
// The application's side: read-through, update-then-invalidate, health and capacity checks.
// ---------------------------------------------------------------------------------------------------------

/** Read-through: the cache first, the database on a miss, and the answer stored for the next caller. */
async function getUser(users: ResilientTwoLevelCache<User>, id: number): Promise<User | undefined> {
  const key = `user_${id}`
  const cached = await users.get(key)
  if (cached !== undefined) return cached
  const user = await loadUserFromDb(id)
  if (user !== undefined) await users.set(key, user)
  return user
}

/** Write to the source of truth first, then drop the cached copy: the next read loads the new data. */
async function updateUser(users: ResilientTwoLevelCache<User>, id: number, changes: Partial<User>) {
  const row = usersTable.get(id)
  if (row === undefined) throw new Error(`no user ${id}`)
  usersTable.set(id, { ...row, ...changes, id })
  await users.delete(`user_${id}`)
}

/** The seed's health check: an open breaker means L2 is unavailable (HTTP 503 in a web app). */
function cacheHealth(cache: ResilientTwoLevelCache<unknown>): { status: string; httpStatus: number } {
  const stats = cache.getStats()
  if (stats.l2.circuitBreaker.state === 'open')
    return { status: 'degraded (L2 unavailable)', httpStatus: 503 }
  return { status: 'healthy', httpStatus: 200 }
}

/** The seed's monitoring: warn when L1 is nearly full or the breaker is not closed. */
function capacityWarnings(cache: ResilientTwoLevelCache<unknown>): string[] {
  const stats = cache.getStats()
  const warnings: string[] = []
  if (stats.l1.enabled && stats.l1.usagePercent > 90) {
    warnings.push(`L1 cache nearly full (${stats.l1.size}/${stats.l1.maxSize}, ${stats.l1.usagePercent}%)`)
  }
  if (stats.l2.enabled && stats.l2.circuitBreaker.state !== 'closed') {
    warnings.push(`circuit breaker state is ${stats.l2.circuitBreaker.state}`)
  }
  return warnings
}

// ---------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  let server: RedisServer | undefined
  let redisUrl = process.env.CACHE_REDIS_URL?.trim() || undefined
  if (redisUrl !== undefined) {
    say(`L2: the Redis at CACHE_REDIS_URL (${redisUrl})`)
  } else if (RedisServer.isAvailable()) {
    server = new RedisServer()
    await server.start()
    redisUrl = server.url
    say(`L2: a private redis-server started for this example on ${redisUrl}`)
  } else {
    say('L2: none (CACHE_REDIS_URL is unset and redis-server is not installed): running L1-only')
  }
  const l2Enabled = redisUrl !== undefined

  // The seed's CacheFactoryConfig + CacheService. fromEnv reads the CACHE_* variables; the override
  // points it at the private server when this example started one.
  const config = CacheFactoryConfig.fromEnv(process.env, { l2Url: redisUrl })
  const service = new CacheService(config)
  try {
    // The seed's cache patterns. Every cache below shares the service's one Redis connection.
    const users = service.createCache<User>({
      l2KeyPrefix: 'users',
      l2Ttl: 3600,
      l2Enabled,
      l1Enabled: true,
      l1MaxSize: 1000,
      l1Ttl: 60,
    })
    const sessions = service.createCache<{ userId: number; roles: string[] }>({
      l2KeyPrefix: 'session',
      l2Ttl: 1800,
      l2Enabled,
      l1Enabled: true,
      l1MaxSize: 500,
      l1Ttl: 300,
    })
    const computations = service.createCache<number>({
      l2KeyPrefix: 'computation',
      l2Ttl: 86400,
      l2Enabled,
      l1Enabled: true,
      l1MaxSize: 100,
      l1Ttl: 3600,
    })
    const images = service.createCache<{ contentType: string; bytes: Uint8Array }>({
      l2KeyPrefix: 'images',
      l2Ttl: 604800,
      l2Enabled,
      l1Enabled: true,
      l1MaxSize: 2000,
      l1Ttl: 1800,
      serializer: 'v8',
    })
    // Start from empty caches when the example is run twice against the same Redis.
    for (const cache of [users, sessions, computations, images]) await cache.clear()

    step('Read-through: get, load on a miss, set')
    const first = await getUser(users, 1)
    say(`getUser(1) -> ${first?.name} (database queries so far: ${databaseQueries})`)
    const again = await getUser(users, 1)
    say(`getUser(1) -> ${again?.name} (database queries so far: ${databaseQueries}, served by the cache)`)
    await getUser(users, 2)
    say(`getUser(2) loaded and cached (database queries so far: ${databaseQueries})`)

    step('Update, then invalidate')
    await updateUser(users, 1, { email: 'ada@lovelace.example' })
    say(`after updateUser(1): isOnCache('user_1') = ${await users.isOnCache('user_1')}`)
    const updated = await getUser(users, 1)
    say(`getUser(1) -> ${updated?.email} (reloaded; database queries so far: ${databaseQueries})`)

    step('The other caches')
    await sessions.set('session_abc', { userId: 1, roles: ['admin'] })
    say(`sessions.get('session_abc') -> ${JSON.stringify(await sessions.get('session_abc'))}`)
    const pixel = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
    await images.set('logo.png', { contentType: 'image/png', bytes: pixel })
    const image = await images.get('logo.png')
    say(`images.get('logo.png') -> ${image?.contentType}, ${image?.bytes.byteLength} bytes (v8 serializer)`)

    step('TTLs, keys, clear')
    say(`users.getTtl('user_2') -> ${(await users.getTtl('user_2'))?.toFixed(1)} s`)
    say(`sessions.getTtl('session_abc') -> ${(await sessions.getTtl('session_abc'))?.toFixed(1)} s`)
    say(`users.getTtl('user_404') -> ${await users.getTtl('user_404')}`)
    say(`users.listKeys('user_') -> ${JSON.stringify((await users.listKeys('user_')).sort())}`)
    const cleared = await sessions.clear()
    say(
      `sessions.clear() -> L1 ${cleared.l1ItemsRemoved}, L2 ${cleared.l2ItemsRemoved} removed (l2Cleared ${cleared.l2Cleared})`,
    )

    step('Loading: getOrSet with a fail-safe copy')
    // The loader runs on a miss only; with grace, the last good value outlives its ttl as a
    // fail-safe copy that getOrSet serves when the loader fails (get() never returns it).
    const options = { ttl: '50ms', grace: '1h' }
    const answer = await computations.getOrSet('answer', async () => 42, options)
    await new Promise((resolve) => setTimeout(resolve, 60)) // past the 50 ms ttl
    const failing = async (): Promise<number> => {
      throw new Error('the source of truth is down')
    }
    const served = await computations.getOrSet('answer', failing, options)
    say(`getOrSet('answer') -> ${answer}; expired, loader failing -> ${served} (the fail-safe copy)`)
    say(`computations.get('answer') -> ${await computations.get('answer')} (expired: never live)`)

    step('Health and capacity checks')
    // Fill the computations cache past 90% of its L1 size, so the capacity check has something to say.
    for (let n = 1; n <= 95; n++) await computations.set(`square_${n}`, n * n)
    for (const [name, cache] of Object.entries({ users, sessions, computations, images })) {
      const health = cacheHealth(cache)
      say(`health of ${name}: ${health.status} (HTTP ${health.httpStatus})`)
      for (const warning of capacityWarnings(cache)) say(`warning for ${name}: ${warning}`)
    }
    const stats = users.getStats()
    say(
      `users stats: L1 ${stats.l1.hits} hits / ${stats.l1.misses} misses, ` +
        `L2 ${stats.l2.enabled ? `${stats.l2.hits} hits / ${stats.l2.misses} misses` : 'disabled'}, ` +
        `breaker ${stats.l2.circuitBreaker.state}`,
    )
  } finally {
    // Closes the connection the service created; nothing is left that keeps the process alive.
    await service.close()
    await server?.stop()
  }
  say('\ndone')
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
