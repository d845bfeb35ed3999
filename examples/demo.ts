/**
 * The guided tour of resilient-cache (`make demo`): write-through, L2 -> L1 promotion with measured
 * latencies, another instance's L1 kept coherent by the invalidation bus, Redis killed mid-run with the breaker opening and reads carrying on from L1, Redis back
 * and the cache repairing itself, and the stats.
 *
 * Redis: `CACHE_REDIS_URL` when set; else a redis-server this demo starts on a free loopback port
 * (and kills for the outage part); else none at all, and the demo runs in L1-only mode.
 */
import { CacheService, type Logger } from '../src/index.js'
import { RedisServer } from '../test/helpers/redis-server.js'

const say = (text = '') => console.log(text)
const step = (title: string) => say(`\n== ${title}`)
const micros = (ms: number) => `${(ms * 1000).toFixed(1)} µs`

/** Prints the library's warnings and info lines (breaker transitions, repairs) as part of the story. */
const demoLogger: Logger = {
  debug: () => {},
  info: (context, message) => say(`   [log] ${message} ${JSON.stringify(context)}`),
  warn: (context, message) => say(`   [log] ${message} ${JSON.stringify(context)}`),
  error: (context, message) => say(`   [log] ${message} ${JSON.stringify(context)}`),
}

async function averageMs(iterations: number, run: () => Promise<unknown>): Promise<number> {
  const started = performance.now()
  for (let i = 0; i < iterations; i++) await run()
  return (performance.now() - started) / iterations
}

async function main(): Promise<void> {
  let server: RedisServer | undefined
  let redisUrl = process.env.CACHE_REDIS_URL
  if (redisUrl) {
    say(
      `Using the Redis at CACHE_REDIS_URL (${redisUrl}); the outage part is skipped: this demo does not own it.`,
    )
  } else if (RedisServer.isAvailable()) {
    server = new RedisServer()
    await server.start()
    redisUrl = server.url
    say(`Started a private redis-server on ${redisUrl} (pid ${server.pid}).`)
  } else {
    say('No redis-server installed and no CACHE_REDIS_URL: running in L1-only mode.')
    say('(Install redis-server, or run `make demo`, which installs it, to see the L2 and outage parts.)')
  }

  const config = {
    l2Url: redisUrl,
    l2CommandTimeout: '200ms',
    circuitBreakerThreshold: 3,
    circuitBreakerTimeout: '30s',
    logger: demoLogger,
  }
  const l2Enabled = redisUrl !== undefined
  // Two services play two instances of an application sharing one Redis.
  const serviceA = new CacheService(config)
  const serviceB = new CacheService(config)
  const cacheOptions = { l2KeyPrefix: 'demo-users', l2Enabled, l1Enabled: true, l1Ttl: 60, l2Ttl: 3600 }
  const usersA = serviceA.createCache<{ id: number; name: string }>(cacheOptions)
  const usersB = serviceB.createCache<{ id: number; name: string }>(cacheOptions)
  try {
    step('1. Write-through set, then get')
    await usersA.set('user_1', { id: 1, name: 'Ada Lovelace' })
    say(`   instance A: get('user_1') -> ${JSON.stringify(await usersA.get('user_1'))} (from its L1)`)

    if (l2Enabled) {
      step('2. Promotion: instance B reads from L2 once, then from its own L1')
      const firstReadMs = await averageMs(1, () => usersB.get('user_1'))
      say(`   instance B: first get (L2 hit, promoted)  ${micros(firstReadMs)}`)
      const l1Ms = await averageMs(20_000, () => usersB.get('user_1'))
      // An L2 round trip measured on its own: a cache with L1 off reads the same key.
      const l2Only = serviceB.createCache({ l2KeyPrefix: 'demo-users-l2only', l1Enabled: false })
      await l2Only.set('user_1', { id: 1, name: 'Ada Lovelace' })
      const l2Ms = await averageMs(2_000, () => l2Only.get('user_1'))
      say(`   L1 hit, average of 20000:  ${micros(l1Ms)}`)
      say(`   L2 hit, average of 2000:   ${micros(l2Ms)}`)
      say(`   L1 is ${(l2Ms / l1Ms).toFixed(0)}x faster than a Redis round trip on loopback.`)
    }

    if (l2Enabled) {
      step("3. Coherence: A updates user_1; the invalidation bus drops B's L1 copy")
      const heardBefore = usersB.getStats().invalidation.messagesReceived
      await usersA.set('user_1', { id: 1, name: 'Ada Lovelace (updated)' })
      const writtenAt = performance.now()
      while (
        usersB.getStats().invalidation.messagesReceived === heardBefore &&
        performance.now() - writtenAt < 2000
      ) {
        await new Promise((resolve) => setImmediate(resolve))
      }
      say(`   B heard of the write ${micros(performance.now() - writtenAt)} after A's set() resolved`)
      say(`   instance B: get('user_1') -> ${JSON.stringify(await usersB.get('user_1'))}`)
    }

    if (server) {
      step('4. Redis dies mid-run')
      await usersA.set('user_2', { id: 2, name: 'Grace Hopper' })
      await usersB.get('user_2')
      await server.kill()
      say('   redis-server killed (SIGKILL).')
      const missStarted = performance.now()
      for (let i = 0; i < 4; i++) await usersB.get(`not-cached-${i}`)
      say(
        `   4 L1 misses while Redis is down took ${micros((performance.now() - missStarted) / 4)} each on average`,
      )
      say(`   instance B breaker: ${usersB.getStats().l2.circuitBreaker.state}`)
      const l1Ms = await averageMs(10_000, () => usersB.get('user_2'))
      say(`   instance B still serves user_2 from L1: ${micros(l1Ms)} per get, no exception`)
      await usersA.set('user_1', { id: 1, name: 'Ada King, Countess of Lovelace' })
      await usersA.delete('user_2')
      say(`   instance A updated user_1 and deleted user_2 during the outage:`)
      say(
        `   pending repairs on A: ${usersA.getStats().l2.pendingRepairs} (invalidated in L2 when it returns)`,
      )

      step('5. Redis comes back (empty, on the same port)')
      const restartedAt = performance.now()
      await server.restart()
      const closed = (service: CacheService) =>
        new Promise<void>((resolve) => {
          if (service.getStats().l2.circuitBreaker.state === 'closed') resolve()
          else service.once('breaker:close', () => resolve())
        })
      await Promise.all([closed(serviceA), closed(serviceB)])
      say(
        `   both breakers closed ${((performance.now() - restartedAt) / 1000).toFixed(2)} s after the restart began`,
      )
      // A's breaker never opened (two failures, threshold three): its journal is replayed when its
      // connection is ready again, in the background. Wait for it, within a bound.
      for (let i = 0; i < 200 && usersA.getStats().l2.pendingRepairs > 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
      say(`   pending repairs on A: ${usersA.getStats().l2.pendingRepairs}`)
      say(
        `   instance B reads user_2 (deleted by A during the outage): ${JSON.stringify(await usersB.get('user_2'))}`,
      )
      say(
        `   (B had user_2 in its L1 and could not hear of the delete; it dropped L1 when Redis came back: resyncs ${usersB.getStats().l1.resyncs})`,
      )
      await usersA.set('user_3', { id: 3, name: 'Katherine Johnson' })
      say(`   instance B reads user_3 written after recovery: ${JSON.stringify(await usersB.get('user_3'))}`)
    } else if (!l2Enabled) {
      step('3. L1-only mode')
      say('   Every call is served from process memory; nothing is shared between instances.')
    }

    step('6. Stats of instance B (getStats() is synchronous, no I/O)')
    say(JSON.stringify(usersB.getStats(), null, 2).replace(/^/gm, '   '))
  } finally {
    await Promise.all([serviceA.close(), serviceB.close()])
    await server?.stop()
  }
  say('\nDone: services closed, Redis stopped.')
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
