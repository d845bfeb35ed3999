/**
 * Renders the README's dashboard screenshot (docs/dashboard.png): a private redis-server on a free
 * loopback port, a service with three caches under a few seconds of bounded load (hits, misses, an
 * instance writing through the invalidation bus), one short Redis outage with its repair, and the
 * dashboard, served by the Express integration on 127.0.0.1, captured by headless Chromium.
 *
 *   npm run dashboard:screenshot        (or: make dashboard-screenshot)
 */
import { once } from 'node:events'
import { mkdirSync } from 'node:fs'
import express from 'express'
import { CacheService, silentLogger } from '../src/index.js'
import { ExpressCacheService } from '../src/addons/integrations/express.js'
import { launchChromium } from '../test/helpers/browser.js'
import { closeHttpServer, loopbackUrl } from '../test/helpers/http-server.js'
import { RedisServer } from '../test/helpers/redis-server.js'

const OUTPUT = 'docs/dashboard.png'
const SAMPLE_INTERVAL_S = 0.25

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** `rounds` rounds of reads over `keys` keys of which `hotShare` are usually in L1, with a write now and then. */
async function load(
  cache: ReturnType<CacheService['createCache']>,
  options: { rounds: number; keys: number; hotShare: number },
): Promise<void> {
  for (let round = 0; round < options.rounds; round++) {
    for (let i = 0; i < 40; i++) {
      const hot = Math.random() < options.hotShare
      const key = hot ? `item:${i % 20}` : `item:${Math.floor(Math.random() * options.keys)}`
      const value = await cache.get(key)
      if (value === undefined && Math.random() < 0.6) await cache.set(key, { key, at: Date.now() })
    }
    await sleep(SAMPLE_INTERVAL_S * 1000 * 0.5)
  }
}

const server = new RedisServer()
await server.start()
const service = new CacheService({ l2Url: server.url, logger: silentLogger, circuitBreakerThreshold: 2 })
const other = new CacheService({ l2Url: server.url, logger: silentLogger })
const users = service.createCache({ l2KeyPrefix: 'users', l1Enabled: true, l1MaxSize: 500 })
const products = service.createCache({ l2KeyPrefix: 'products', l1Enabled: true, l1MaxSize: 200, l1Ttl: 5 })
const sessions = service.createCache({ l2KeyPrefix: 'sessions' })
const usersElsewhere = other.createCache({ l2KeyPrefix: 'users', l1Enabled: true })

const integration = new ExpressCacheService({ service })
const app = express()
integration.initApp(app)
app.use('/cache/dashboard', integration.dashboard({ sampleInterval: SAMPLE_INTERVAL_S, refreshInterval: 0.5 }))
const httpServer = app.listen(0, '127.0.0.1')
const baseUrl = await loopbackUrl(httpServer)
const browser = await launchChromium()
try {
  await Promise.all([
    load(users, { rounds: 14, keys: 300, hotShare: 0.8 }),
    load(products, { rounds: 14, keys: 150, hotShare: 0.5 }),
    load(sessions, { rounds: 14, keys: 60, hotShare: 0.3 }),
    (async () => {
      for (let i = 0; i < 30; i++) {
        await usersElsewhere.set(`item:${i % 20}`, { updated: i })
        await sleep(100)
      }
    })(),
  ])
  // A short outage: the breaker opens, writes are journaled, Redis comes back, the journal is replayed.
  await server.kill()
  const opened = once(service, 'breaker:open')
  await Promise.all([users.get('item:outage-1'), users.get('item:outage-2')])
  await opened
  for (let i = 0; i < 12; i++) await users.set(`item:${i}`, { during: 'outage' })
  await sleep(1000)
  const closed = once(service, 'breaker:close')
  await server.restart()
  await closed
  await Promise.all([
    load(users, { rounds: 8, keys: 300, hotShare: 0.85 }),
    load(products, { rounds: 8, keys: 150, hotShare: 0.6 }),
    load(sessions, { rounds: 8, keys: 60, hotShare: 0.4 }),
  ])

  const page = await browser.newPage({ viewport: { width: 1200, height: 900 }, deviceScaleFactor: 1 })
  await page.goto(`${baseUrl}/cache/dashboard`)
  await page.locator('[data-cache="sessions"] [data-field="hit-rate"]').waitFor()
  await page.locator('[data-cache="users"] [data-field="breaker-history"] li b.closed').waitFor()
  mkdirSync('docs', { recursive: true })
  await page.screenshot({ path: OUTPUT, fullPage: true })
  console.log(`wrote ${OUTPUT}`)
} finally {
  await browser.close()
  await closeHttpServer(httpServer)
  await integration.close()
  await service.close()
  await other.close()
  await server.stop()
}
