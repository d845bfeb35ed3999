import { once } from 'node:events'
import type { Server } from 'node:http'
import express from 'express'
import type { Browser } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ExpressCacheService } from '../../src/addons/integrations/express.js'
import { launchChromium } from '../helpers/browser.js'
import { closeHttpServer, loopbackUrl } from '../helpers/http-server.js'
import { RedisServer } from '../helpers/redis-server.js'
import { useServices } from '../helpers/services.js'

const openService = useServices()
let browser: Browser
const cleanups: Array<() => Promise<void> | void> = []

beforeAll(async () => {
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
})

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

describe('the dashboard in headless Chromium', () => {
  it("loads, shows a cache's hit rate, and flips its breaker badge to open when Redis stops", async () => {
    const server = new RedisServer()
    await server.start()
    cleanups.push(() => server.stop())
    const service = openService({ l2Url: server.url, circuitBreakerThreshold: 1 })
    const users = service.createCache({ l2KeyPrefix: 'users', l1Enabled: true, l1MaxSize: 100 })
    for (let i = 0; i < 3; i++) await users.set(`user:${i}`, { id: i })
    for (let i = 0; i < 3; i++) await users.get(`user:${i}`)
    await users.get('user:absent')

    const integration = new ExpressCacheService({ service })
    const app = express()
    integration.initApp(app)
    app.use('/cache/dashboard', integration.dashboard({ refreshInterval: 0.2, sampleInterval: 0.2 }))
    const httpServer: Server = app.listen(0, '127.0.0.1')
    cleanups.push(() => integration.close())
    cleanups.push(() => closeHttpServer(httpServer))
    const baseUrl = await loopbackUrl(httpServer)

    const page = await browser.newPage()
    cleanups.push(() => page.close())
    // A CSP violation or a script error shows up here: the page must run with its own policy.
    const problems: string[] = []
    page.on('pageerror', (error) => problems.push(error.message))
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text())
    })
    const response = await page.goto(`${baseUrl}/cache/dashboard`)
    expect(response?.status()).toBe(200)
    expect(await page.title()).toBe('resilient-cache dashboard')

    const card = page.locator('[data-cache="users"]')
    const hitRate = card.locator('[data-field="hit-rate"]')
    const badge = card.locator('[data-field="breaker"]')
    await hitRate.filter({ hasText: '75.0%' }).waitFor()
    expect(await badge.textContent()).toBe('closed')
    expect(await card.locator('[data-field="l1-fill"]').textContent()).toBe('3.0%')

    await server.kill()
    const opened = once(service, 'breaker:open')
    expect(await users.get('user:not-in-l1')).toBeUndefined()
    await opened
    await badge.filter({ hasText: /^open$/ }).waitFor()
    expect(await badge.getAttribute('class')).toContain('open')
    await card.locator('[data-field="breaker-history"] li b.open').waitFor()
    expect(problems).toEqual([])
  })
})
