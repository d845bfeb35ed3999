import { describe, expect, it } from 'vitest'
import { InvalidationHealth } from '../../src/invalidation/invalidation-health.js'
import { CacheTimeoutError } from '../../src/kernel/errors.js'
import { recordingLogger } from '../helpers/recording-logger.js'

/** An error reply, as ioredis reports one. */
function replyError(message: string): Error {
  return Object.assign(new Error(message), { name: 'ReplyError' })
}

const NOPERM = replyError(
  'NOPERM this user has no permissions to access one of the channels used as arguments',
)

describe('InvalidationHealth', () => {
  it('reports a refusal once at error with the fix, repeats at debug, the recovery at info', () => {
    const logger = recordingLogger()
    const health = new InvalidationHealth(logger, 'app')
    health.failed('publish', NOPERM)
    health.failed('publish', NOPERM)
    expect(health.stats()).toEqual({
      state: 'failing',
      failing: ['publish'],
      lastErrorCode: 'NOPERM',
      lastErrorOperation: 'publish',
      failures: 2,
    })
    health.succeeded('publish')
    expect(health.stats().state).toBe('ok')
    expect(logger.records.map((record) => record.level)).toEqual(['error', 'debug', 'info'])
    expect(logger.records[0]?.message).toContain('`ACL SETUSER app &resilient-cache:*`')
    expect(logger.records[0]?.message).toContain("invalidation: 'none'")
  })

  it('names the tracking channel in the fix of a refused subscription, and <user> without a user name', () => {
    const logger = recordingLogger()
    new InvalidationHealth(logger, undefined).failed('tracking', NOPERM)
    expect(logger.records[0]?.message).toContain(
      '`ACL SETUSER <user> &resilient-cache:* &__redis__:invalidate`',
    )
  })

  it('reports other failures at warn only once they persist: three in a row', () => {
    const logger = recordingLogger()
    const health = new InvalidationHealth(logger, undefined)
    const timeout = new CacheTimeoutError('L2 publish timed out')
    health.failed('publish', timeout)
    health.failed('publish', timeout)
    health.succeeded('publish')
    health.failed('publish', timeout)
    health.failed('publish', timeout)
    expect(logger.problems()).toEqual([])
    health.failed('publish', timeout)
    expect(logger.problems()).toMatchObject([
      { level: 'warn', context: { code: 'TIMEOUT', failuresInARow: 3 } },
    ])
    expect(health.stats()).toMatchObject({ state: 'failing', lastErrorCode: 'TIMEOUT' })
  })

  it('keeps each operation apart', () => {
    const health = new InvalidationHealth(recordingLogger(), undefined)
    health.failed('subscribe', NOPERM)
    health.failed('publish', new Error('connection lost'))
    health.succeeded('subscribe')
    expect(health.stats()).toMatchObject({ failing: ['publish'], lastErrorCode: 'UNREACHABLE' })
  })
})
