import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest'
import type { CacheFactoryConfigOptions } from '../../src/config/options.js'
import { CacheService, type CacheServiceInternals } from '../../src/index.js'
import { silentLogger } from '../../src/kernel/logger.js'
import { RedisServer } from './redis-server.js'

/** Starts one redis-server for the file (beforeAll) and stops it after (afterAll). */
export function useRedisServer(): { readonly server: RedisServer } {
  const holder = {} as { server: RedisServer }
  beforeAll(async () => {
    holder.server = new RedisServer()
    await holder.server.start()
  })
  afterAll(async () => {
    await holder.server?.stop()
  })
  return holder
}

/**
 * Creates services that are closed after each test, with a silent logger and a short command
 * timeout unless the test says otherwise.
 */
export function useServices(): (
  config?: CacheFactoryConfigOptions,
  internals?: CacheServiceInternals,
) => CacheService {
  const open: CacheService[] = []
  afterEach(async () => {
    await Promise.all(open.splice(0).map((service) => service.close()))
  })
  return (config = {}, internals = {}) => {
    const service = new CacheService({ logger: silentLogger, l2CommandTimeout: 0.5, ...config }, internals)
    open.push(service)
    return service
  }
}

/** Polls `condition` every 10 ms until it holds; fails after `timeoutMs`. For events we cannot await. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  what = 'condition',
) {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/**
 * A plain ioredis client on the file's server, on an emptied database before each test: for looking
 * at and tampering with what the cache wrote. Read `.client` inside tests.
 */
export function useRawClient(redis: { readonly server: RedisServer }): { readonly client: Redis } {
  const holder = {} as { client: Redis }
  beforeEach(async () => {
    holder.client = new Redis(redis.server.url)
    await holder.client.flushdb()
  })
  afterEach(async () => {
    await holder.client.quit()
  })
  return holder
}
