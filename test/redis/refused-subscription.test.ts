import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RedisSubscriber } from '../../src/backends/l2/redis/pubsub/redis-subscriber.js'
import { recordingLogger } from '../helpers/recording-logger.js'
import { RedisServer } from '../helpers/redis-server.js'

let server: RedisServer

beforeAll(async () => {
  server = new RedisServer()
  await server.start()
  await server.command('ACL', 'SETUSER', 'norights', 'on', '>pw', '~*', 'resetchannels', '+@all')
})

afterAll(async () => {
  await server.stop()
})

/** A promise and the function that resolves it: for awaiting a listener's call. */
function signal<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => {}
  const promise = new Promise<T>((done) => {
    resolve = done
  })
  return { promise, resolve }
}

describe('a subscription the server refused', () => {
  it('is asked for again after refusedRetryMs, works once the ACL grants the channel, and resyncs', async () => {
    const options = { username: 'norights', password: 'pw' }
    const main = new Redis(server.url, options)
    const connection = new Redis(server.url, { ...options, protocol: 2, autoResubscribe: false })
    const logger = recordingLogger()
    const subscriber = new RedisSubscriber(main, connection, logger, { refusedRetryMs: 50 })
    const failed = signal<unknown>()
    const established = signal()
    const received = signal<string>()
    let resubscribed = 0
    try {
      subscriber.subscribe('resilient-cache:refused-test', {
        message: (payload) => received.resolve(payload),
        resubscribed: () => resubscribed++,
        failed: (error) => failed.resolve(error),
        established: () => established.resolve(),
      })
      expect(String(await failed.promise)).toMatch(/NOPERM/)
      // Logged by the service's health once; the subscriber itself stays at debug.
      expect(logger.problems()).toEqual([])

      await server.command('ACL', 'SETUSER', 'norights', '&resilient-cache:*')
      await established.promise
      // Messages published while it was refused were missed: the caches must drop their L1.
      expect(resubscribed).toBe(1)
      await server.command('PUBLISH', 'resilient-cache:refused-test', 'hello')
      expect(await received.promise).toBe('hello')
    } finally {
      await subscriber.close()
      main.disconnect()
      connection.disconnect()
    }
  })
})
