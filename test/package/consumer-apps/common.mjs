// What every consumer app checks besides its framework: the installed package talks to the real Redis
// at REDIS_URL (a value one service writes, a second service reads from L2), and which major it runs.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { CacheService, isCacheConfigurationError, silentLogger } from 'resilient-cache'

/** The installed version of a package of this consumer project (read from disk: hono exports no package.json). */
export function installedVersion(name) {
  return JSON.parse(readFileSync(new URL(`./node_modules/${name}/package.json`, import.meta.url), 'utf8'))
    .version
}

/**
 * Resolves once the service's L2 answers a PING. A service starts without waiting for Redis (calls made
 * before it is reachable are served from L1), so an app that means to test L2 waits for it first.
 */
export async function waitForL2(service) {
  // Each PING waits for the connection being made, at most l2CommandTimeout.
  for (let attempt = 0; attempt < 40; attempt++) if (await service.ping()) return
  throw new Error('L2 never answered a PING')
}

/** Writes through one service and reads the value back through a second one, from L2. */
export async function assertL2RoundTrip(redisUrl) {
  const writer = new CacheService({ l2Url: redisUrl, logger: silentLogger })
  const reader = new CacheService({ l2Url: redisUrl, logger: silentLogger })
  try {
    await Promise.all([waitForL2(writer), waitForL2(reader)])
    await writer.createCache({ l2KeyPrefix: 'consumer' }).set('k', { ok: true })
    const readerCache = reader.createCache({ l2KeyPrefix: 'consumer' })
    assert.deepEqual(await readerCache.get('k'), { ok: true })
    assert.equal(readerCache.getStats().l2.hits, 1)
  } finally {
    await Promise.all([writer.close(), reader.close()])
  }
}

/** Two GETs of a cached route: the first runs the handler (MISS), the second is served from the cache. */
export async function assertCachedTwice(baseUrl) {
  // A page no earlier run has cached in this Redis.
  const target = `${baseUrl}/products?page=${randomUUID()}`
  const first = await fetch(target)
  assert.equal(first.status, 200)
  assert.equal(first.headers.get('x-cache'), 'MISS')
  const firstBody = await first.text()
  const second = await fetch(target)
  assert.equal(second.headers.get('x-cache'), 'HIT')
  assert.equal(await second.text(), firstBody)
  const health = await fetch(`${baseUrl}/health`)
  assert.equal(health.status, 200)
  assert.equal((await health.json()).status, 'healthy')
}

/**
 * A metrics subpath whose library is not installed fails on import (ESM and CommonJS) with the
 * package's configuration error naming what to install, not a raw module-not-found error.
 */
export async function assertSubpathNamesMissingPeer(subpath, packageName) {
  const namesThePackage = (error) =>
    isCacheConfigurationError(error) &&
    error.message.includes(`the optional package '${packageName}', which is not installed`) &&
    error.message.includes(`npm install ${packageName}`)
  await assert.rejects(import(subpath), namesThePackage)
  assert.throws(() => createRequire(import.meta.url)(subpath), namesThePackage)
}
