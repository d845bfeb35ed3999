import assert from 'node:assert/strict'
import { createCache } from 'cache-manager'
import Keyv from 'keyv'
import { CacheService, silentLogger } from 'resilient-cache'
import { createKeyvStore } from 'resilient-cache/keyv'
import { assertL2RoundTrip, installedVersion, waitForL2 } from './common.mjs'

const redisUrl = process.env.REDIS_URL
await assertL2RoundTrip(redisUrl)
const writer = new CacheService({ l2Url: redisUrl, logger: silentLogger })
const reader = new CacheService({ l2Url: redisUrl, logger: silentLogger })
await Promise.all([waitForL2(writer), waitForL2(reader)])
// cache-manager over the store, in two services: what one writes, the other reads from Redis.
const managerOf = (service) =>
  createCache({
    stores: [new Keyv({ store: createKeyvStore(service.createCache({ l2KeyPrefix: 'consumer-keyv' })) })],
  })
await managerOf(writer).set('u1', { name: 'Ada' }, 60_000)
const readerCache = managerOf(reader)
assert.deepEqual(await readerCache.get('u1'), { name: 'Ada' })
assert.deepEqual(await readerCache.mget(['u1', 'none']), [{ name: 'Ada' }, undefined])
await Promise.all([writer.close(), reader.close()])
console.log(
  `consumer ok: cache-manager ${installedVersion('cache-manager')}, keyv ${installedVersion('keyv')}`,
)
