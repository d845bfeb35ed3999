import express from 'express'
import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { ExpressCacheService } from '../../src/addons/integrations/express.js'
import fastifyResilientCache from '../../src/addons/integrations/fastify.js'
import { HonoCacheService } from '../../src/addons/integrations/hono.js'
import { CacheService, silentLogger } from '../../src/index.js'
import { useRedisServer } from '../helpers/services.js'

const redis = useRedisServer()

/** Connections the server has, the harness's own command connection included. */
async function clientCount(): Promise<number> {
  const list = await redis.server.command('CLIENT', 'LIST')
  return list.split('\n').filter((line) => line.includes('addr=')).length
}

describe('await using (Symbol.asyncDispose)', () => {
  it('closes a CacheService when its scope ends', async () => {
    let escaped: CacheService | undefined
    {
      await using service = new CacheService({ l2Url: redis.server.url, logger: silentLogger })
      escaped = service
      await service.createCache<number>({ l2KeyPrefix: 'dispose' }).set('k', 1)
      expect(await clientCount()).toBe(2)
    }
    expect(() => escaped?.createCache({ l2KeyPrefix: 'later' })).toThrow(/closed/)
    expect(await clientCount()).toBe(1)
  })

  it('closes the service an ExpressCacheService created when its scope ends', async () => {
    let service: CacheService | undefined
    {
      await using cache = new ExpressCacheService({
        config: { l2Url: redis.server.url, logger: silentLogger },
      })
      service = cache.initApp(express())
      await service.createCache<number>({ l2KeyPrefix: 'express' }).set('k', 1)
    }
    expect(() => service?.createCache({ l2KeyPrefix: 'later' })).toThrow(/closed/)
  })

  it('closes the service a HonoCacheService created when its scope ends', async () => {
    let service: CacheService | undefined
    {
      await using cache = new HonoCacheService({ config: { l2Url: redis.server.url, logger: silentLogger } })
      service = cache.service
      await service.createCache<number>({ l2KeyPrefix: 'hono' }).set('k', 1)
    }
    expect(() => service?.createCache({ l2KeyPrefix: 'later' })).toThrow(/closed/)
  })

  it('leaves a given service open when an integration is disposed', async () => {
    await using service = new CacheService({ l2Url: redis.server.url, logger: silentLogger })
    {
      await using cache = new HonoCacheService({ service })
      expect(cache.service).toBe(service)
    }
    expect(() => service.createCache({ l2KeyPrefix: 'still-open' })).not.toThrow()
  })

  it('closes the service the Fastify plugin created when the Fastify instance is disposed', async () => {
    let service: CacheService | undefined
    {
      await using app = Fastify()
      await app.register(fastifyResilientCache, {
        config: { l2Url: redis.server.url, logger: silentLogger },
      })
      await app.ready()
      service = app.cacheService
    }
    expect(() => service?.createCache({ l2KeyPrefix: 'later' })).toThrow(/closed/)
  })
})
