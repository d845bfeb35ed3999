import { afterEach, describe, expect, it } from 'vitest'
import { getFreePort, isPortFree } from '../helpers/free-port.js'
import {
  RedisCommandTimeoutError,
  RedisReplyError,
  RedisServer,
  type RedisServerOptions,
  startRedisServer,
} from '../helpers/redis-server.js'

/** True while a process with this pid exists (signal 0 only checks; ESRCH means gone). */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false
    throw error
  }
}

describe.skipIf(!RedisServer.isAvailable())('RedisServer test harness', () => {
  // Every server a test creates is stopped afterwards, even when the test fails half-way.
  const servers: RedisServer[] = []
  const track = (server: RedisServer): RedisServer => {
    servers.push(server)
    return server
  }
  const start = async (options?: RedisServerOptions): Promise<RedisServer> => {
    const server = track(new RedisServer(options))
    await server.start()
    return server
  }

  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.stop()))
  })

  it('starts a private server on a free loopback port that answers PING', async () => {
    const redis = await start()
    expect(redis.isRunning).toBe(true)
    expect(redis.host).toBe('127.0.0.1')
    expect(redis.port).not.toBe(6379)
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`)
    expect(processExists(redis.pid)).toBe(true)
    expect(await redis.command('PING')).toBe('PONG')
    expect(await redis.command('CONFIG', 'GET', 'bind')).toBe('bind\n127.0.0.1')
    expect(await redis.command('CONFIG', 'GET', 'save')).toBe('save\n')
  })

  it('runs commands over RESP: SET/GET, integers, nil, arrays and error replies', async () => {
    const redis = await start()
    expect(await redis.command('SET', 'greeting', 'hällo wörld\r\n')).toBe('OK')
    expect(await redis.command('GET', 'greeting')).toBe('hällo wörld\r\n')
    expect(await redis.command('DBSIZE')).toBe('1')
    expect(await redis.call(['INCRBY', 'n', '9007199254740993'])).toBe(9007199254740993n)
    expect(await redis.call(['GET', 'missing'])).toBeNull()
    expect(await redis.command('GET', 'missing')).toBe('')
    await redis.command('RPUSH', 'list', 'a', 'b')
    expect(await redis.call(['LRANGE', 'list', '0', '-1'])).toEqual(['a', 'b'])

    const failure = redis.command('NO-SUCH-COMMAND')
    await expect(failure).rejects.toBeInstanceOf(RedisReplyError)
    await expect(failure).rejects.toThrow(/unknown command/)
  })

  it('gives two servers different ports, neither of them 6379, and separate datasets', async () => {
    const [a, b] = await Promise.all([start(), start()])
    if (a === undefined || b === undefined) throw new Error('unreachable')
    expect(a.port).not.toBe(b.port)
    expect([a.port, b.port]).not.toContain(6379)
    await a.command('SET', 'only-in-a', '1')
    expect(await b.command('EXISTS', 'only-in-a')).toBe('0')
  })

  it('pause makes commands time out while the socket stays open; resume makes it answer again', async () => {
    const redis = await start()
    await redis.pause()
    expect(redis.isPaused).toBe(true)
    expect(redis.isRunning).toBe(true)

    const began = Date.now()
    const attempt = redis.command('PING', { timeoutMs: 300 })
    await expect(attempt).rejects.toBeInstanceOf(RedisCommandTimeoutError)
    await expect(attempt).rejects.toThrow(/no reply within 300 ms/)
    expect(Date.now() - began).toBeLessThan(3_000)

    await redis.resume()
    expect(redis.isPaused).toBe(false)
    expect(await redis.command('PING', { timeoutMs: 1_000 })).toBe('PONG')
  })

  it('kill removes the process; restart brings up an empty server on the same port', async () => {
    const redis = await start()
    const { port, pid } = redis
    await redis.command('SET', 'k', 'v')

    await redis.kill()
    expect(redis.isRunning).toBe(false)
    expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }))
    await expect(redis.command('PING', { timeoutMs: 1_000 })).rejects.toThrow(/ECONNREFUSED/)

    await redis.restart()
    expect(redis.isRunning).toBe(true)
    expect(redis.port).toBe(port)
    expect(redis.pid).not.toBe(pid)
    expect(await redis.command('PING')).toBe('PONG')
    expect(await redis.command('DBSIZE')).toBe('0')
  })

  it('restart of a running server replaces the process', async () => {
    const redis = await start()
    const { port, pid } = redis
    await redis.restart()
    expect(processExists(pid)).toBe(false)
    expect(redis.port).toBe(port)
    expect(await redis.command('PING')).toBe('PONG')
  })

  it('shutdown stops the server through SHUTDOWN NOSAVE', async () => {
    const redis = await start()
    const { pid, port } = redis
    await redis.shutdown()
    expect(redis.isRunning).toBe(false)
    expect(processExists(pid)).toBe(false)
    expect(await isPortFree(port)).toBe(true)
    await redis.shutdown() // no-op once stopped
  })

  it('shutdown also works on a paused server', async () => {
    const redis = await start()
    const { pid } = redis
    await redis.pause()
    await redis.shutdown()
    expect(processExists(pid)).toBe(false)
  })

  it('stop is idempotent: before start, while paused, and repeatedly', async () => {
    const never = new RedisServer()
    await never.stop()
    await never.stop()

    const redis = await start()
    const { pid } = redis
    await redis.pause()
    await redis.stop()
    expect(processExists(pid)).toBe(false)
    expect(redis.isRunning).toBe(false)
    expect(redis.isPaused).toBe(false)
    await redis.stop()
    await redis.kill()
  })

  it('authenticates automatically when started with --requirepass', async () => {
    const redis = await start({ extraArgs: ['--requirepass', 's3cret'] })
    expect(redis.password).toBe('s3cret')
    expect(await redis.command('SET', 'k', 'v')).toBe('OK')
    await expect(redis.command('GET', 'k', { password: 'wrong' })).rejects.toThrow(/WRONGPASS/)
  })

  it('uses an explicitly requested port', async () => {
    const port = await getFreePort()
    const redis = await start({ port })
    expect(redis.port).toBe(port)
    expect(await redis.command('PING')).toBe('PONG')
  })

  it('refuses a fixed port that another redis-server already serves instead of using that server', async () => {
    const owner = await start()
    const intruder = track(new RedisServer({ port: owner.port }))
    // Either our PING reaches the owner first (caught by the pid check) or redis reports the failed bind.
    await expect(intruder.start()).rejects.toThrow(/another redis-server|Address already in use/)
    expect(intruder.isRunning).toBe(false)
    expect(processExists(intruder.pid)).toBe(false)
    expect(await owner.command('PING')).toBe('PONG')
  })

  it('fails clearly on a bad argument, with redis output in the message, leaving nothing behind', async () => {
    const redis = track(new RedisServer({ extraArgs: ['--no-such-option', 'x'] }))
    const began = Date.now()
    const error: unknown = await redis.start().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message).toMatch(/exited \(code 1\) before answering PING/)
    expect((error as Error).message).toMatch(/no-such-option/)
    expect((error as Error).message).toMatch(/Bad directive/)
    expect(Date.now() - began).toBeLessThan(5_000) // rejected on exit, not on the 10 s bound
    expect(redis.isRunning).toBe(false)
    expect(processExists(redis.pid)).toBe(false)
  })

  it('startRedisServer starts a ready server', async () => {
    const redis = track(await startRedisServer())
    expect(await redis.command('PING')).toBe('PONG')
  })
})
