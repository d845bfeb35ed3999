import { describe, expect, it } from 'vitest'
import { getFreePort } from '../helpers/free-port.js'
import { runTsScript } from '../helpers/run-script.js'
import { useRedisServer } from '../helpers/services.js'

const redis = useRedisServer()

const runFixture = (redisUrl: string) =>
  runTsScript('test/fixtures/close-and-exit.ts', { REDIS_URL: redisUrl }, 10_000)

describe('close()', () => {
  it('leaves nothing that keeps the process alive (Redis up)', async () => {
    const result = await runFixture(redis.server.url)
    expect(result.output).toContain('breaker closed')
    expect(result.output).toContain('closed')
    expect(result.code).toBe(0)
  })

  it('leaves nothing that keeps the process alive (Redis unreachable, reconnecting)', async () => {
    const result = await runFixture(`redis://127.0.0.1:${await getFreePort()}`)
    expect(result.output).toContain('breaker open')
    expect(result.output).toContain('closed')
    expect(result.code).toBe(0)
  })
})
