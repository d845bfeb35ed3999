// The body of a small app bundled with esbuild (ioredis and resilient-cache inlined) and run from a
// directory with no node_modules: the Redis client must have been found by the bundler, not loaded at
// run time.
import assert from 'node:assert/strict'

/** Resolves once the service's L2 answers a PING (each waits for the connection, at most l2CommandTimeout). */
async function waitForL2(service) {
  for (let attempt = 0; attempt < 40; attempt++) if (await service.ping()) return
  throw new Error('L2 never answered a PING')
}

/** Set, get, getOrSet and delete through two services sharing the Redis at REDIS_URL. */
export async function runApp(CacheService) {
  const redisUrl = process.env.REDIS_URL
  const logged = []
  const logger = { debug() {}, info() {}, warn() {}, error: (_fields, message) => logged.push(message) }
  const writer = new CacheService({ l2Url: redisUrl, logger })
  const reader = new CacheService({ l2Url: redisUrl, logger })
  const prefix = `bundled-${process.pid}`
  const written = writer.createCache({ l2KeyPrefix: prefix })
  const read = reader.createCache({ l2KeyPrefix: prefix })
  // No node_modules here: the client comes from the bundle, through the import() the bundler followed.
  assert.equal(writer.getStats().l2.status, 'loading')
  await Promise.all([waitForL2(writer), waitForL2(reader)])

  await written.set('user', { name: 'Ada' })
  assert.deepEqual(await read.get('user'), { name: 'Ada' })
  let loads = 0
  const loaded = await read.getOrSet('answer', async () => {
    loads += 1
    return 42
  })
  assert.equal(loaded, 42)
  assert.equal(await written.get('answer'), 42)
  await written.delete('user')
  assert.equal(await read.get('user'), undefined)
  assert.equal(loads, 1)
  assert.equal(read.getStats().l2.hits, 1)
  assert.deepEqual(logged, [])
  await Promise.all([writer.close(), reader.close()])
  console.log('bundled app ok')
}
