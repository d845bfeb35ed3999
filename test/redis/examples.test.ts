import { describe, expect, it } from 'vitest'
import { runTsScript } from '../helpers/run-script.js'
import { useRedisServer } from '../helpers/services.js'

const redis = useRedisServer()

describe('examples', () => {
  it('basic-usage.ts runs against CACHE_REDIS_URL and exits by itself', { timeout: 30_000 }, async () => {
    const result = await runTsScript('examples/basic-usage.ts', { CACHE_REDIS_URL: redis.server.url })
    expect(result.output).toContain(`L2: the Redis at CACHE_REDIS_URL (${redis.server.url})`)
    expect(result.output).toContain('getUser(1) -> Ada (database queries so far: 1, served by the cache)')
    expect(result.output).toContain('users.listKeys(\'user_\') -> ["user_1","user_2"]')
    expect(result.output).toContain(
      "getOrSet('answer') -> 42; expired, loader failing -> 42 (the fail-safe copy)",
    )
    expect(result.output).toContain("computations.get('answer') -> undefined (expired: never live)")
    expect(result.output).toContain('health of users: healthy (HTTP 200)')
    expect(result.output).toContain('warning for computations: L1 cache nearly full')
    expect(result.output).toContain('sessions.clear() -> L1 1, L2 1 removed (l2Cleared true)')
    expect(result.output).toMatch(/\ndone\n/)
    expect(result.code).toBe(0)
    // The users cache really went through L2: its entries are in this server, under its prefix.
    expect(await redis.server.command('EXISTS', 'users::user_2')).toBe('1')
  })

  it('keyv-usage.ts drives the cache through cache-manager 7 and cacheable, and exits by itself', {
    timeout: 30_000,
  }, async () => {
    const result = await runTsScript('examples/keyv-usage.ts', { CACHE_REDIS_URL: redis.server.url })
    expect(result.output).toContain("wrap('user:1') twice -> Ada, Ada (database queries: 1)")
    expect(result.output).toContain("set('user:2', …, 5000 ms) -> expires in 5 s")
    expect(result.output).toContain("mget(['flag:a', 'flag:b', 'flag:c']) -> true, false, undefined")
    expect(result.output).toContain("del('flag:a'), then get -> undefined")
    expect(result.output).toContain('another cacheable reads session:1 from the shared store -> {"user":1}')
    expect(result.output).toContain("cache.clear() -> keys left under 'keyv:': 0")
    expect(result.output).toMatch(/\ndone\n/)
    expect(result.code).toBe(0)
    // cacheable wrote through the store into this server, under the sessions cache and Keyv's namespace.
    expect(await redis.server.command('EXISTS', 'sessions::keyv:session:1')).toBe('1')
  })
})
