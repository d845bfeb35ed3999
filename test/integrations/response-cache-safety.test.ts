/**
 * Response caching, safe by default: one table of behaviours (each bug that shared response caches
 * are known for, and each RFC 9111 rule), run against Express, Fastify and Hono with a real
 * redis-server and real HTTP on 127.0.0.1.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { InvalidationEvent, Logger } from '../../src/index.js'
import { silentLogger } from '../../src/kernel/logger.js'
import { useRedisServer, waitFor } from '../helpers/services.js'
import { SAFETY_FRAMEWORKS, type SafetyApp, type SafetyFramework, type SafetyRoute } from './safety-apps.js'

interface Answer {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

/** A GET over node:http, which, unlike fetch, lets a test send any `Host` header. */
function get(
  app: SafetyApp,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(`${app.baseUrl}${path}`, { headers, method }, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      )
      response.on('error', reject)
    })
    outgoing.on('error', reject)
    outgoing.end()
  })
}

/** One request of a row and what must come back. `$host` stands for the app's own host. */
interface Step {
  /** @default the route's method */
  method?: 'GET' | 'HEAD'
  headers?: Record<string, string>
  cache: 'HIT' | 'MISS' | 'BYPASS'
  /** The handler run whose page is served (1 for the first). */
  run: number
  status?: number
  sees?: string[]
  notSees?: string[]
  /** Least `Age` a hit carries, in seconds. */
  ageAtLeast?: number
}

interface Row {
  name: string
  route: SafetyRoute
  trustProxy?: boolean
  steps: Step[] | ((framework: SafetyFramework) => Step[])
  /** Expected counts by reason, when the row is about them. */
  bypassReasons?: Record<string, number>
  notStoredReasons?: Record<string, number>
  notModified?: number
  /** Upper bound of the stored entry's remaining lifetime in Redis, in ms (the freshness rows). */
  storedForAtMostMs?: number
  storedForMoreThanMs?: number
}

const TTL = 30
const LAST_MODIFIED = new Date(Date.UTC(2026, 0, 1)).toUTCString()
const IN_THE_PAST = new Date(Date.now() - 60_000).toUTCString()
// Far enough ahead to stay in the future while the file runs, and under the row's ttl of an hour.
const IN_TEN_MINUTES = new Date(Date.now() + 600_000).toUTCString()

const route = (path: string, headers: Record<string, string> = {}, options = {}): SafetyRoute => ({
  path,
  headers,
  options: { ttl: TTL, ...options },
})
const missThenMiss = (reason: string): Pick<Row, 'steps' | 'notStoredReasons'> => ({
  steps: [
    { cache: 'MISS', run: 1 },
    { cache: 'MISS', run: 2 },
  ],
  notStoredReasons: { [reason]: 2 },
})

const ROWS: Row[] = [
  {
    name: "Cookie: one user's page is neither served to another nor stored",
    route: route('/me'),
    steps: [
      { headers: { cookie: 'user=alice' }, cache: 'BYPASS', run: 1, sees: ['cookie=user=alice'] },
      {
        headers: { cookie: 'user=bob' },
        cache: 'BYPASS',
        run: 2,
        sees: ['cookie=user=bob'],
        notSees: ['alice'],
      },
      { cache: 'MISS', run: 3, notSees: ['alice', 'bob'] },
      { cache: 'HIT', run: 3 },
      { headers: { cookie: 'user=bob' }, cache: 'BYPASS', run: 4, sees: ['cookie=user=bob'] },
    ],
    bypassReasons: { cookie: 3 },
  },
  {
    name: 'ignoreCookies: a request whose cookies are all ignored is cached as one without',
    route: route('/analytics', {}, { ignoreCookies: ['_ga'] }),
    steps: [
      { headers: { cookie: '_ga=GA1.2' }, cache: 'MISS', run: 1 },
      { cache: 'HIT', run: 1 },
      { headers: { cookie: '_ga=GA1.2; session=s1' }, cache: 'BYPASS', run: 2 },
    ],
    bypassReasons: { cookie: 1 },
  },
  {
    name: 'Cookie in the key headers: each cookie gets entries of its own',
    route: route('/per-cookie', {}, { headers: ['cookie'] }),
    steps: [
      { headers: { cookie: 'user=alice' }, cache: 'MISS', run: 1 },
      { headers: { cookie: 'user=bob' }, cache: 'MISS', run: 2, notSees: ['alice'] },
      { headers: { cookie: 'user=alice' }, cache: 'HIT', run: 1, sees: ['cookie=user=alice'] },
    ],
  },
  {
    name: 'Authorization: bypassed unless keyed',
    route: route('/account'),
    steps: [
      { headers: { authorization: 'Bearer t1' }, cache: 'BYPASS', run: 1 },
      { headers: { authorization: 'Bearer t1' }, cache: 'BYPASS', run: 2 },
      { cache: 'MISS', run: 3 },
    ],
    bypassReasons: { authorization: 2 },
  },
  {
    name: 'HEAD: answered from the GET entry, never stored itself',
    route: route('/headed'),
    steps: [
      { method: 'HEAD', cache: 'MISS', run: 1 },
      { cache: 'MISS', run: 2 },
      { method: 'HEAD', cache: 'HIT', run: 2 },
    ],
  },
  {
    name: 'Range: bypassed',
    route: route('/ranged'),
    steps: [
      { headers: { range: 'bytes=0-3' }, cache: 'BYPASS', run: 1 },
      { cache: 'MISS', run: 2 },
    ],
    bypassReasons: { range: 1 },
  },
  {
    name: 'Methods other than GET and HEAD: bypassed',
    route: { ...route('/order'), method: 'POST' },
    steps: [
      { cache: 'BYPASS', run: 1 },
      { cache: 'BYPASS', run: 2 },
    ],
    bypassReasons: { method: 2 },
  },
  {
    name: 'Host: a page built for a forged Host is never served to the real one',
    route: route('/link'),
    steps: [
      { headers: { host: 'evil.example' }, cache: 'MISS', run: 1, sees: ['host=evil.example'] },
      { cache: 'MISS', run: 2, sees: ['host=$host'], notSees: ['evil'] },
      { cache: 'HIT', run: 2, notSees: ['evil'] },
      { headers: { host: 'evil.example' }, cache: 'HIT', run: 1 },
    ],
  },
  {
    name: 'X-Forwarded-Host without trust proxy: ignored by the host and by the key',
    route: route('/forwarded'),
    steps: [
      { headers: { 'x-forwarded-host': 'evil.example' }, cache: 'MISS', run: 1, notSees: ['evil'] },
      { cache: 'HIT', run: 1, notSees: ['evil'] },
    ],
  },
  {
    name: 'X-Forwarded-Host with trust proxy: the forwarded host is the key host',
    route: route('/forwarded-trusted'),
    trustProxy: true,
    steps: (framework) =>
      framework.trustsForwardedHost
        ? [
            {
              headers: { 'x-forwarded-host': 'evil.example' },
              cache: 'MISS',
              run: 1,
              sees: ['host=evil.example'],
            },
            { cache: 'MISS', run: 2, sees: ['host=$host'] },
            { cache: 'HIT', run: 2, notSees: ['evil'] },
          ]
        : [
            // Hono has no trust-proxy setting: the URL's host comes from Host alone.
            { headers: { 'x-forwarded-host': 'evil.example' }, cache: 'MISS', run: 1, notSees: ['evil'] },
            { cache: 'HIT', run: 1, notSees: ['evil'] },
          ],
  },
  {
    name: 'shareAcrossHosts: one entry for every host, when asked for',
    route: route('/shared', {}, { shareAcrossHosts: true }),
    steps: [
      { headers: { host: 'a.example' }, cache: 'MISS', run: 1, sees: ['host=a.example'] },
      { headers: { host: 'b.example' }, cache: 'HIT', run: 1 },
    ],
  },
  {
    name: 'max-age=0, must-revalidate: not stored',
    route: route('/max-age-0', { 'cache-control': 'max-age=0, must-revalidate' }),
    ...missThenMiss('expired'),
  },
  {
    name: 's-maxage=0 wins over max-age in a shared cache: not stored',
    route: route('/s-maxage-0', { 'cache-control': 'max-age=60, s-maxage=0' }),
    ...missThenMiss('expired'),
  },
  {
    name: 'Expires in the past: not stored',
    route: route('/expired', { expires: IN_THE_PAST }),
    ...missThenMiss('expired'),
  },
  {
    name: 'no-cache: not stored',
    route: route('/no-cache', { 'cache-control': 'no-cache' }),
    ...missThenMiss('no-cache'),
  },
  {
    name: 'no-store: not stored',
    route: route('/no-store', { 'cache-control': 'no-store' }),
    ...missThenMiss('no-store'),
  },
  {
    name: 'private: not stored',
    route: route('/private', { 'cache-control': 'private, max-age=60' }),
    ...missThenMiss('private'),
  },
  {
    name: 'Set-Cookie: not stored',
    route: route('/set-cookie', { 'set-cookie': 'sid=1' }),
    ...missThenMiss('set-cookie'),
  },
  {
    name: 'A status other than 2xx: not stored',
    route: { ...route('/gone'), status: 404 },
    ...missThenMiss('status'),
  },
  {
    name: 'An event stream: not stored',
    route: route('/events', { 'content-type': 'text/event-stream' }),
    ...missThenMiss('event-stream'),
  },
  {
    name: 'A body over maxBodyBytes: not stored',
    route: { ...route('/huge', {}, { maxBodyBytes: 1000 }), bodyLength: 5000 },
    ...missThenMiss('too-large'),
  },
  {
    name: 'Vary on a header the key ignores: not stored',
    route: route('/vary-unkeyed', { vary: 'Accept-Language' }),
    ...missThenMiss('vary'),
  },
  {
    name: 'Vary on a key header: one entry per value',
    route: route('/vary-keyed', { vary: 'Accept-Language' }, { headers: ['accept-language'] }),
    steps: [
      { headers: { 'accept-language': 'en' }, cache: 'MISS', run: 1 },
      { headers: { 'accept-language': 'fr' }, cache: 'MISS', run: 2 },
      { headers: { 'accept-language': 'en' }, cache: 'HIT', run: 1, sees: ['lang=en'] },
    ],
  },
  {
    name: 'must-revalidate with max-age=60: served while fresh, for at most the route ttl',
    route: route('/must-revalidate', { 'cache-control': 'max-age=60, must-revalidate' }),
    steps: [
      { cache: 'MISS', run: 1 },
      { cache: 'HIT', run: 1 },
    ],
    storedForAtMostMs: TTL * 1000,
  },
  {
    name: 's-maxage=5 over max-age=60: stored for 5 s',
    route: route('/s-maxage-5', { 'cache-control': 'max-age=60, s-maxage=5' }),
    steps: [
      { cache: 'MISS', run: 1 },
      { cache: 'HIT', run: 1 },
    ],
    storedForAtMostMs: 5000,
  },
  {
    name: 'Expires in 10 minutes under a ttl of an hour: stored until Expires',
    route: route('/expires-soon', { expires: IN_TEN_MINUTES }, { ttl: '1h' }),
    steps: [
      { cache: 'MISS', run: 1 },
      { cache: 'HIT', run: 1 },
    ],
    storedForAtMostMs: 600_000,
    storedForMoreThanMs: 300_000,
  },
  {
    name: 'No lifetime in the response: the route ttl',
    route: route('/no-lifetime'),
    steps: [
      { cache: 'MISS', run: 1 },
      { cache: 'HIT', run: 1 },
    ],
    storedForAtMostMs: TTL * 1000,
    storedForMoreThanMs: (TTL - 5) * 1000,
  },
  {
    name: "Age on hits counts from the response's own age",
    route: route('/aged', { age: '100', 'cache-control': 'max-age=600' }),
    steps: [
      { cache: 'MISS', run: 1 },
      { cache: 'HIT', run: 1, ageAtLeast: 100 },
    ],
  },
  {
    name: 'Conditional requests on hits: 304 without body, If-None-Match before If-Modified-Since',
    route: route('/validated', {
      etag: '"v1"',
      'last-modified': LAST_MODIFIED,
      'cache-control': 'max-age=60',
    }),
    steps: [
      { cache: 'MISS', run: 1, status: 200 },
      { headers: { 'if-none-match': '"v1"' }, cache: 'HIT', run: 0, status: 304 },
      { headers: { 'if-none-match': 'W/"v1"' }, cache: 'HIT', run: 0, status: 304 },
      { headers: { 'if-none-match': '"v0", "v1"' }, cache: 'HIT', run: 0, status: 304 },
      { headers: { 'if-none-match': '*' }, cache: 'HIT', run: 0, status: 304 },
      { headers: { 'if-none-match': '"v2"' }, cache: 'HIT', run: 1, status: 200 },
      { headers: { 'if-modified-since': LAST_MODIFIED }, cache: 'HIT', run: 0, status: 304 },
      {
        headers: { 'if-modified-since': 'Wed, 31 Dec 2025 00:00:00 GMT' },
        cache: 'HIT',
        run: 1,
        status: 200,
      },
      {
        headers: { 'if-none-match': '"v2"', 'if-modified-since': LAST_MODIFIED },
        cache: 'HIT',
        run: 1,
        status: 200,
      },
    ],
    notModified: 5,
  },
]

/** The keys of stored responses (not the purge versions) in Redis. */
async function responseKeys(redis: ReturnType<typeof useRedisServer>): Promise<string[]> {
  const reply = await redis.server.command('KEYS', '*::GET *')
  return reply === '' ? [] : reply.split('\n')
}

describe.each(SAFETY_FRAMEWORKS)('$name: response caching is safe by default', (framework) => {
  const redis = useRedisServer()
  const config = () => ({ l2Url: redis.server.url, logger: silentLogger, l2CommandTimeout: 0.5 })
  const started: SafetyApp[] = []
  const start = async (
    options: Omit<Parameters<SafetyFramework['start']>[0], 'config'> & { config?: object },
  ) => {
    const app = await framework.start({ ...options, config: { ...config(), ...options.config } })
    started.push(app)
    return app
  }
  beforeEach(async () => {
    await redis.server.command('FLUSHALL')
  })
  afterEach(async () => {
    for (const app of started.splice(0)) await app.close()
  })

  it.each(ROWS)('$name', async (row) => {
    const app = await start({ routes: [row.route], trustProxy: row.trustProxy ?? false })
    const steps = typeof row.steps === 'function' ? row.steps(framework) : row.steps
    let misses = 0
    for (const [index, step] of steps.entries()) {
      const answer = await get(app, row.route.path, step.headers, step.method ?? row.route.method)
      const where = `step ${index + 1}`
      expect(answer.headers['x-cache'], where).toBe(step.cache)
      expect(answer.status, where).toBe(step.status ?? row.route.status ?? 200)
      if (step.run === 0 || step.method === 'HEAD') expect(answer.body, where).toBe('')
      else expect(answer.body, where).toContain(`${row.route.path} run ${step.run} `)
      for (const text of step.sees ?? [])
        expect(answer.body, where).toContain(text.replace('$host', app.host))
      for (const text of step.notSees ?? []) expect(answer.body, where).not.toContain(text)
      if (step.ageAtLeast !== undefined)
        expect(Number(answer.headers.age), where).toBeGreaterThanOrEqual(step.ageAtLeast)
      // A HEAD miss records nothing: only GET misses are judged.
      if (step.cache === 'MISS' && step.method !== 'HEAD') {
        misses++
        // Storing follows the response: judge it before the next request.
        await waitFor(() => app.stats().stored + app.stats().notStored >= misses, 5000, `${where} judged`)
      }
    }
    const stats = app.stats()
    expect(stats.bypassReasons).toEqual(row.bypassReasons ?? {})
    expect(stats.notStoredReasons).toEqual(row.notStoredReasons ?? {})
    if (row.notModified !== undefined) expect(stats.notModified).toBe(row.notModified)
    if (row.storedForAtMostMs !== undefined) {
      const [key] = await responseKeys(redis)
      const remainingMs = Number(await redis.server.command('PTTL', key ?? ''))
      expect(remainingMs).toBeGreaterThan(row.storedForMoreThanMs ?? 0)
      expect(remainingMs).toBeLessThanOrEqual(row.storedForAtMostMs)
    }
  })

  it('answers a 304 with the validators and caching headers, and no body or content type', async () => {
    const validated = ROWS.find((row) => row.route.path === '/validated')?.route as SafetyRoute
    const app = await start({ routes: [validated] })
    await get(app, '/validated')
    await waitFor(() => app.stats().stored === 1)
    const answer = await get(app, '/validated', { 'if-none-match': '"v1"' })
    expect(answer.status).toBe(304)
    expect(answer.headers).toMatchObject({
      etag: '"v1"',
      'last-modified': LAST_MODIFIED,
      'cache-control': 'max-age=60',
      'x-cache': 'HIT',
    })
    expect(Number(answer.headers.age)).toBeGreaterThanOrEqual(0)
    expect(answer.headers['content-type']).toBeUndefined()
    expect(answer.body).toBe('')
  })

  it('keeps two applications on one Redis apart: CACHE_HTTP_PREFIX and keyPrefix', async () => {
    const items = route('/api/items')
    const shopA = await start({ routes: [items], env: { CACHE_HTTP_PREFIX: 'shop-a' } })
    const shopB = await start({ routes: [items], env: { CACHE_HTTP_PREFIX: 'shop-b' } })
    const shopC = await start({ routes: [route('/api/items', {}, { keyPrefix: 'shop-c' })] })
    // The same path on one host: only the prefix can keep them apart.
    const host = { host: 'shop.example' }
    expect((await get(shopA, '/api/items', host)).headers['x-cache']).toBe('MISS')
    await waitFor(() => shopA.stats().stored === 1)
    for (const other of [shopB, shopC]) {
      const answer = await get(other, '/api/items', host)
      expect(answer.headers['x-cache']).toBe('MISS')
      expect(other.runs.get('/api/items')).toBe(1)
    }
    const keys = await responseKeys(redis)
    expect(keys.some((key) => key.startsWith('shop-a::'))).toBe(true)
    expect(keys.some((key) => key.startsWith('shop-b::'))).toBe(true)
    expect(keys.some((key) => key.startsWith('shop-c::'))).toBe(true)
    // The replicas of one application do share: same prefix, same entries.
    const replicaA = await start({ routes: [items], env: { CACHE_HTTP_PREFIX: 'shop-a' } })
    expect((await get(replicaA, '/api/items', host)).headers['x-cache']).toBe('HIT')
  })

  it('purges every query and header variant of a path, of one host or of all', async () => {
    const app = await start({ routes: [route('/catalog', {}, { headers: ['accept-language'] })] })
    const variants: Array<[string, Record<string, string>]> = [
      ['/catalog?page=1', {}],
      ['/catalog?page=2', { 'accept-language': 'fr' }],
      ['/catalog', { host: 'other.example' }],
    ]
    for (const [path, headers] of variants)
      expect((await get(app, path, headers)).headers['x-cache']).toBe('MISS')
    await waitFor(() => app.stats().stored === 3)
    for (const [path, headers] of variants)
      expect((await get(app, path, headers)).headers['x-cache']).toBe('HIT')

    await app.purge('/catalog', { host: 'other.example' })
    expect((await get(app, '/catalog', { host: 'other.example' })).headers['x-cache']).toBe('MISS')
    expect((await get(app, '/catalog?page=1')).headers['x-cache']).toBe('HIT')

    await app.purge('/catalog')
    for (const [path, headers] of variants.slice(0, 2)) {
      expect((await get(app, path, headers)).headers['x-cache']).toBe('MISS')
    }
    expect(app.stats().purges).toBe(2)
    await expect(app.purge('catalog')).rejects.toThrow(TypeError)
    await expect(app.purge('/catalog?page=1')).rejects.toThrow(/without query/)
  })

  it("purges on every instance, from any instance: another one's L1 copy is dropped through the bus", async () => {
    const env = { CACHE_HTTP_PREFIX: 'shared-shop' }
    const first = await start({ routes: [route('/offer')], env })
    const second = await start({ routes: [route('/offer')], env })
    // Two replicas behind one proxy: one Host for both.
    const host = { host: 'shop.example' }
    await get(first, '/offer', host)
    await waitFor(() => first.stats().stored === 1)
    expect((await get(second, '/offer', host)).headers['x-cache']).toBe('HIT')
    expect((await get(second, '/offer', host)).headers['x-cache']).toBe('HIT')
    // Served from the second instance's own L1 now: only the bus can make it drop the page.
    const dropped = invalidationOf(second, '~purge /offer')
    // From a third process that serves no cached route (an admin task).
    const purger = await start({ routes: [], env })
    await purger.purge('/offer')
    await dropped
    const after = await get(second, '/offer', host)
    expect(after.headers['x-cache']).toBe('MISS')
    expect(after.body).toContain('/offer run 1 ')
    expect(second.runs.get('/offer')).toBe(1)
    expect(second.service.getCache('shared-shop')?.getStats().l1.hits).toBeGreaterThan(0)
  })

  it('never puts a credential, cookie or key header value in plaintext in Redis, its traffic or the logs', async () => {
    const token = 'Bearer tok-0123456789-secret'
    const cookie = 'sid=cookie-9876543210-secret'
    const lines: string[] = []
    const capture = (level: string) => (fields: unknown, message?: string) =>
      lines.push(`${level} ${JSON.stringify(fields)} ${message ?? ''}`)
    const logger: Logger = {
      debug: capture('debug'),
      info: capture('info'),
      warn: capture('warn'),
      error: capture('error'),
    }
    const monitor = await startMonitor(redis.server.port)
    try {
      const keyed = { headers: ['authorization', 'cookie', 'accept-language'] }
      const app = await start({
        routes: [
          { ...route('/mine', {}, keyed), quiet: true },
          { ...route('/mine-unstored', { 'cache-control': 'no-store' }, keyed), quiet: true },
        ],
        config: { logger },
      })
      const headers = { authorization: token, cookie, 'accept-language': 'secret-language' }
      expect((await get(app, '/mine', headers)).headers['x-cache']).toBe('MISS')
      await waitFor(() => app.stats().stored === 1)
      expect((await get(app, '/mine', headers)).headers['x-cache']).toBe('HIT')
      await get(app, '/mine-unstored', headers)
      await waitFor(() => app.stats().notStored === 1)
      await app.purge('/mine')
      await get(app, '/mine', headers)
      await waitFor(() => app.stats().stored === 2)
      await redis.server.command('ECHO', 'monitor-end')
      await monitor.seen('monitor-end')
      const scan = await runRedisCli(redis.server.port, ['--scan'])
      expect(scan).toContain('::GET ')
      // The bus carried keys of this route (hashed header values only).
      expect(monitor.output()).toMatch(
        /"publish" "resilient-cache:invalidation:v1" .*GET .*authorization=[0-9a-f]{64}/,
      )
      expect(
        lines.some((line) => line.includes('"reason":"no-store"') && line.includes('Response not cached')),
      ).toBe(true)
      for (const [what, text] of [
        ['scan', scan],
        ['monitor', monitor.output()],
        ['logs', lines.join('\n')],
      ] as const) {
        for (const secret of ['tok-0123456789-secret', 'cookie-9876543210-secret', 'secret-language']) {
          expect(text, `${secret} in ${what}`).not.toContain(secret)
        }
      }
    } finally {
      monitor.stop()
    }
  })

  it('keeps the L1 of the response store under its byte bound during a query-string flood', async () => {
    const maxBytes = 2 * 1024 * 1024
    const app = await start({
      routes: [
        // Its own store with a small byte bound, so that a short flood crosses it.
        {
          path: '/big',
          bodyLength: 100_000,
          options: (service) => ({
            ttl: TTL,
            maxBodyBytes: 200_000,
            cache: service.createCache({ l2KeyPrefix: 'flood', l1Enabled: true, l1MaxBytes: maxBytes }),
          }),
        },
        route('/small'),
      ],
    })
    const requests = 60
    let largest = 0
    for (let index = 0; index < requests; index++) {
      expect((await get(app, `/big?cb=${index}`)).headers['x-cache']).toBe('MISS')
      await waitFor(() => app.stats().stored === index + 1)
      largest = Math.max(largest, app.service.getCache('flood')?.getStats().l1.bytes ?? 0)
    }
    const l1 = app.service.getCache('flood')?.getStats().l1
    // 60 bodies of 100 000 characters are about 12 MB in L1 terms; the bound holds all along.
    expect(largest).toBeLessThanOrEqual(maxBytes)
    expect(l1?.bytes).toBeGreaterThan(maxBytes / 2)
    expect(l1?.size).toBeLessThan(requests / 2)
    // The default store is bounded by bytes too.
    expect(app.service.getCache('http:resilient-cache')?.getStats().l1).toMatchObject({
      maxBytes: 64 * 1024 * 1024,
      maxSize: 10_000,
    })
  })
})

/** Resolves when `app`'s service applies a bus invalidation naming a key that contains `key`. */
function invalidationOf(app: SafetyApp, key: string): Promise<InvalidationEvent> {
  return new Promise((resolve) => {
    const listener = (event: InvalidationEvent) => {
      if (event.source === 'bus' && event.keys?.some((named) => named.includes(key))) {
        app.service.off('invalidation', listener)
        resolve(event)
      }
    }
    app.service.on('invalidation', listener)
  })
}

/** `redis-cli -p PORT monitor`, its output collected until stopped. */
async function startMonitor(port: number) {
  const child: ChildProcess = spawn('redis-cli', ['-p', String(port), 'monitor'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let output = ''
  const waiters: Array<{ text: string; resolve: () => void }> = []
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8')
    for (const waiter of waiters.splice(0)) {
      if (output.includes(waiter.text)) waiter.resolve()
      else waiters.push(waiter)
    }
  })
  const seen = (text: string) =>
    new Promise<void>((resolve) => {
      if (output.includes(text)) resolve()
      else waiters.push({ text, resolve })
    })
  await seen('OK')
  return { output: () => output, seen, stop: () => child.kill() }
}

async function runRedisCli(port: number, args: string[]): Promise<string> {
  const child = spawn('redis-cli', ['-p', String(port), ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8')
  })
  await once(child, 'close')
  return output
}
