/**
 * Bun and Deno (both installed from npm as dev dependencies) run the built package's core against a
 * real redis-server: set, get, getOrSet and delete across two services, with each runtime's default
 * serializer: `json` on Bun (which cannot decode Node's v8 format), `v8` on Deno (which can).
 */
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { runCommand } from '../helpers/run-command.js'
import { useRedisServer } from '../helpers/services.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const bin = (name: string) => fileURLToPath(new URL(`../../node_modules/.bin/${name}`, import.meta.url))
const smoke = fileURLToPath(new URL('./runtime-smoke.mjs', import.meta.url))

const RUNTIMES = [
  { name: 'Bun', command: [bin('bun'), smoke], serializer: 'json' },
  // Deno reads the package from node_modules (package.json is there); -A: network, env and files.
  { name: 'Deno', command: [bin('deno'), 'run', '-A', smoke], serializer: 'v8' },
] as const

describe('other runtimes', () => {
  const redis = useRedisServer()

  for (const runtime of RUNTIMES) {
    it(`${runtime.name} runs the core against Redis with '${runtime.serializer}' as its default serializer`, async () => {
      const [file, ...args] = runtime.command
      const run = await runCommand(file, args, {
        cwd: root,
        env: { REDIS_URL: redis.server.url, EXPECTED_SERIALIZER: runtime.serializer, NO_COLOR: '1' },
        timeoutMs: 60_000,
      })
      expect(run.code, run.output).toBe(0)
      expect(run.output).toContain(`default serializer: ${runtime.serializer}`)
      expect(run.output).toContain('set, get and getOrSet across two services: ok')
      expect(run.output).toContain(`a Date through ${runtime.serializer}: ok`)
      expect(run.output).toContain('runtime smoke ok')
      if (runtime.serializer === 'json') {
        expect(run.output).toContain("explicit 'v8': CacheConfigurationError at construction")
      }
    }, 90_000)
  }
})
