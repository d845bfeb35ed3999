import { beforeEach, describe, expect, it } from 'vitest'
import { runTsScript } from '../helpers/run-script.js'
import { useRedisServer } from '../helpers/services.js'

const redis = useRedisServer()

describe('closing an app with an integration', () => {
  beforeEach(async () => {
    // Each run must start with a miss.
    await redis.server.command('FLUSHALL')
  })

  it.each(['express', 'fastify', 'hono'])(
    '%s: leaves nothing that keeps the process alive',
    { timeout: 30_000 },
    async (framework) => {
      const result = await runTsScript(
        'test/fixtures/integration-close-and-exit.ts',
        { REDIS_URL: redis.server.url, FRAMEWORK: framework },
        20_000,
      )
      expect(result.output).toContain('MISS HIT closed')
      expect(result.code).toBe(0)
    },
  )
})
