import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CacheFactoryConfig } from '../../src/index.js'
import { silentLogger } from '../../src/kernel/logger.js'
import { RedisServer } from '../helpers/redis-server.js'
import { useServices } from '../helpers/services.js'

const openService = useServices()
const PASSWORD = 'url-secret'
let server: RedisServer

beforeAll(async () => {
  server = new RedisServer({ extraArgs: ['--requirepass', PASSWORD] })
  await server.start()
})

afterAll(async () => {
  await server.stop()
})

/** A raw client on database `db` of the server. */
async function keysIn(db: number): Promise<string[]> {
  const client = new Redis(`${server.url}/${db}`, { password: PASSWORD })
  try {
    return await client.keys('*')
  } finally {
    client.disconnect()
  }
}

describe('l2Url merged with the separate options, against a server that requires a password', () => {
  it('authenticates a URL without a password with CACHE_REDIS_PASSWORD', async () => {
    const config = CacheFactoryConfig.fromEnv(
      { CACHE_REDIS_URL: server.url, CACHE_REDIS_PASSWORD: PASSWORD },
      { logger: silentLogger, l2CommandTimeout: 0.5 },
    )
    const cache = openService(config.options).createCache<number>({ l2KeyPrefix: 'env' })
    await cache.set('k', 1)
    expect(await cache.get('k')).toBe(1)
    expect(cache.getStats().l2).toMatchObject({ errors: 0, hits: 1 })
  })

  it('writes to the l2Db given beside a URL without a database, as resolved says', async () => {
    const service = openService({ l2Url: server.url, l2Db: 3, l2Password: PASSWORD })
    expect(service.config.resolved.l2Db).toBe(3)
    await service.createCache<number>({ l2KeyPrefix: 'db' }).set('k', 1)
    expect(await keysIn(3)).toEqual(['db::k'])
    expect(await keysIn(0)).not.toContain('db::k')
  })

  it("writes to the URL's database, which resolved reports", async () => {
    const service = openService({ l2Url: `redis://:${PASSWORD}@127.0.0.1:${server.port}/5` })
    expect(service.config.resolved).toMatchObject({ l2Db: 5, l2Port: server.port, l2Host: '127.0.0.1' })
    await service.createCache<number>({ l2KeyPrefix: 'urldb' }).set('k', 1)
    expect(await keysIn(5)).toEqual(['urldb::k'])
  })
})
