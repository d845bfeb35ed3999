/**
 * Bun (installed from npm as a dev dependency) runs the built package's core against a real
 * redis-server: set, get, getOrSet and delete across two services, with Bun's default serializer.
 */
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { runCommand } from '../helpers/run-command.js'
import { useRedisServer } from '../helpers/services.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const bun = fileURLToPath(new URL('../../node_modules/.bin/bun', import.meta.url))
const smoke = fileURLToPath(new URL('./bun-smoke.mjs', import.meta.url))

describe('on Bun', () => {
  const redis = useRedisServer()

  it("runs the core against Redis with 'json' as its default serializer, and refuses 'v8'", async () => {
    const run = await runCommand(bun, [smoke], {
      cwd: root,
      env: { REDIS_URL: redis.server.url },
      timeoutMs: 60_000,
    })
    expect(run.code, run.output).toBe(0)
    expect(run.output).toContain('default serializer: json, with a warning')
    expect(run.output).toContain('set, get and getOrSet across two services: ok')
    expect(run.output).toContain("explicit 'v8': CacheConfigurationError at construction")
    expect(run.output).toContain('bun smoke ok')
  }, 90_000)
})
