// Run by Bun and Deno (test/runtimes/runtimes.test.ts): the built package's core against the real Redis
// at REDIS_URL, with the runtime's default serializer, which must be EXPECTED_SERIALIZER ('json' where
// Node's v8 format cannot be decoded, with a warning; else 'v8', silently). Prints one line per check;
// exits non-zero on failure.
import assert from 'node:assert/strict'
import { CacheService, isCacheConfigurationError } from 'resilient-cache'

/** Resolves once the service's L2 answers a PING (each waits for the connection, at most l2CommandTimeout). */
async function waitForL2(service) {
  for (let attempt = 0; attempt < 40; attempt++) if (await service.ping()) return
  throw new Error('L2 never answered a PING')
}

const redisUrl = process.env.REDIS_URL
const warnings = []
const logger = {
  debug() {},
  info() {},
  warn: (_context, message) => warnings.push(message),
  error: (context, message) => warnings.push(`${message}: ${context.error}`),
}

const expectedSerializer = process.env.EXPECTED_SERIALIZER
const writer = new CacheService({ l2Url: redisUrl, logger })
const reader = new CacheService({ l2Url: redisUrl, logger })
assert.equal(writer.config.resolved.serializer.name, expectedSerializer)
if (expectedSerializer === 'json') {
  assert.equal(warnings.length, 2)
  assert.match(
    warnings[0],
    /cannot decode the 'v8' serializer's entries, so the default serializer is 'json'/,
  )
  console.log('default serializer: json, with a warning')
} else {
  assert.deepEqual(warnings, [])
  console.log(`default serializer: ${expectedSerializer}`)
}

// The services start without waiting for Redis; this test is about L2, so it waits for it.
await Promise.all([waitForL2(writer), waitForL2(reader)])
const prefix = `runtime-${process.pid}`
const written = writer.createCache({ l2KeyPrefix: prefix })
const read = reader.createCache({ l2KeyPrefix: prefix })
await written.set('user', { name: 'Ada', tags: ['a', 'b'] })
assert.deepEqual(await read.get('user'), { name: 'Ada', tags: ['a', 'b'] })
assert.equal(read.getStats().l2.hits, 1)
let loads = 0
const loader = async () => {
  loads += 1
  return { answer: 42 }
}
assert.deepEqual(await read.getOrSet('answer', loader), { answer: 42 })
assert.deepEqual(await written.getOrSet('answer', loader), { answer: 42 })
assert.equal(loads, 1)
console.log('set, get and getOrSet across two services: ok')

// What each serializer makes of a Date: v8 keeps it, json writes its ISO string.
await written.set('when', new Date(0))
const when = await read.get('when')
if (expectedSerializer === 'v8') assert.ok(when instanceof Date && when.getTime() === 0)
else assert.equal(when, '1970-01-01T00:00:00.000Z')
console.log(`a Date through ${expectedSerializer}: ok`)

await written.delete('user')
assert.equal(await read.get('user'), undefined)
assert.equal(read.getStats().l2.corruptEntries, 0)
console.log('delete: ok')

if (expectedSerializer === 'json') {
  assert.throws(
    () => new CacheService({ l2Url: redisUrl, serializer: 'v8', logger }),
    (error) => isCacheConfigurationError(error) && error.field === 'serializer',
  )
  console.log("explicit 'v8': CacheConfigurationError at construction")
}
await Promise.all([writer.close(), reader.close()])
console.log('runtime smoke ok')
