import { describe, expect, it } from 'vitest'
import { getSerializer } from '../../src/backends/serializers/registry.js'
import type { Serializer } from '../../src/backends/serializers/serializer.js'
import { CacheFactoryConfig } from '../../src/config/factory-config.js'
import type { CacheFactoryConfigOptions } from '../../src/config/options.js'
import { consoleLogger, type Logger, silentLogger } from '../../src/kernel/logger.js'
import { configError } from '../helpers/config-error.js'

/** Builds a config from options the type system would refuse, as JavaScript callers can. */
function build(options: Record<string, unknown>): CacheFactoryConfig {
  return new CacheFactoryConfig(options as CacheFactoryConfigOptions)
}

const customSerializer: Serializer = {
  name: 'config-test-json',
  encode: (value) => Buffer.from(JSON.stringify(value)),
  decode: (bytes) => JSON.parse(Buffer.from(bytes).toString()),
}

describe('CacheFactoryConfig defaults', () => {
  const { options, resolved } = new CacheFactoryConfig()

  it.each([
    ['l2Backend', 'redis'],
    ['l2Host', 'localhost'],
    ['l2Port', 6379],
    ['l2Db', 0],
    ['l2ConnectTimeout', 5],
    ['l2SocketTimeout', 5],
    ['l2CommandTimeout', 0.5],
    ['l1Backend', 'ttl'],
    ['serializer', 'v8'],
    ['circuitBreakerEnabled', true],
    ['circuitBreakerThreshold', 5],
    ['circuitBreakerTimeout', 60],
    ['circuitBreakerProbeInterval', 0.5],
    ['maxValueBytes', 8 * 1024 * 1024],
    ['repairJournalMaxEntries', 10_000],
    ['l2Tls', false],
    ['l2Mode', 'standalone'],
  ] as const)('fills in %s = %j in options', (name, value) => {
    expect(options[name]).toBe(value)
  })

  it.each([
    ['l2Backend', 'redis'],
    ['l2Host', 'localhost'],
    ['l2Port', 6379],
    ['l2Db', 0],
    ['l2ConnectTimeoutMs', 5000],
    ['l2SocketTimeoutMs', 5000],
    ['l2CommandTimeoutMs', 500],
    ['l1Backend', 'ttl'],
    ['circuitBreakerEnabled', true],
    ['circuitBreakerThreshold', 5],
    ['circuitBreakerTimeoutMs', 60_000],
    ['circuitBreakerProbeIntervalMs', 500],
    ['maxValueBytes', 8 * 1024 * 1024],
    ['repairJournalMaxEntries', 10_000],
    ['l2Tls', false],
    ['l2Password', undefined],
    ['l2Username', undefined],
    ['l2Url', undefined],
    ['l2Client', undefined],
    ['l2Mode', 'standalone'],
    ['l2SentinelName', undefined],
  ] as const)('resolves %s to %j', (name, value) => {
    expect(resolved[name]).toBe(value)
  })

  it('resolves the default serializer to the registered v8 serializer object', () => {
    expect(resolved.serializer).toBe(getSerializer('v8'))
  })

  it('logs to the console by default', () => {
    expect(options.logger).toBe(consoleLogger)
    expect(resolved.logger).toBe(consoleLogger)
  })

  it('freezes options and resolved so that a service cannot be reconfigured behind its back', () => {
    expect(Object.isFrozen(options)).toBe(true)
    expect(Object.isFrozen(resolved)).toBe(true)
  })

  it('treats an option set to undefined as not given', () => {
    expect(new CacheFactoryConfig({ l2Port: undefined, serializer: undefined }).resolved.l2Port).toBe(6379)
  })
})

describe('CacheFactoryConfig with options', () => {
  it('keeps durations as given in options and converts them to ms in resolved', () => {
    const config = new CacheFactoryConfig({
      l2ConnectTimeout: '2s',
      l2SocketTimeout: 10,
      l2CommandTimeout: '150ms',
      circuitBreakerTimeout: '1m',
    })
    expect(config.options.l2ConnectTimeout).toBe('2s')
    expect(config.options.l2CommandTimeout).toBe('150ms')
    expect(config.resolved.l2ConnectTimeoutMs).toBe(2000)
    expect(config.resolved.l2SocketTimeoutMs).toBe(10_000)
    expect(config.resolved.l2CommandTimeoutMs).toBe(150)
    expect(config.resolved.circuitBreakerTimeoutMs).toBe(60_000)
  })

  it('resolves every given value', () => {
    const logger: Logger = { ...silentLogger }
    const tls = { rejectUnauthorized: false }
    const client = { status: 'ready' }
    const { resolved } = new CacheFactoryConfig({
      l2Backend: 'valkey',
      l2Host: 'cache.internal',
      l2Port: 6380,
      l2Db: 3,
      l2Password: 'hunter2',
      l2Username: 'app',
      l2Tls: tls,
      l2Client: client,
      l1Backend: 'lru',
      serializer: 'json',
      circuitBreakerEnabled: false,
      circuitBreakerThreshold: 1,
      maxValueBytes: 1024,
      repairJournalMaxEntries: 1,
      logger,
    })
    expect(resolved).toMatchObject({
      l2Backend: 'valkey',
      l2Host: 'cache.internal',
      l2Port: 6380,
      l2Db: 3,
      l2Password: 'hunter2',
      l2Username: 'app',
      l1Backend: 'lru',
      circuitBreakerEnabled: false,
      circuitBreakerThreshold: 1,
      maxValueBytes: 1024,
      repairJournalMaxEntries: 1,
    })
    expect(resolved.l2Tls).toBe(tls)
    expect(resolved.l2Client).toBe(client)
    expect(resolved.serializer).toBe(getSerializer('json'))
    expect(resolved.logger).toBe(logger)
  })

  it('uses a serializer object as is', () => {
    expect(new CacheFactoryConfig({ serializer: customSerializer }).resolved.serializer).toBe(
      customSerializer,
    )
  })

  it('accepts l2Tls true', () => {
    expect(new CacheFactoryConfig({ l2Tls: true }).resolved.l2Tls).toBe(true)
  })

  it('accepts the port range limits and any database index from 0', () => {
    expect(new CacheFactoryConfig({ l2Port: 1 }).resolved.l2Port).toBe(1)
    expect(new CacheFactoryConfig({ l2Port: 65_535 }).resolved.l2Port).toBe(65_535)
    expect(new CacheFactoryConfig({ l2Db: 15 }).resolved.l2Db).toBe(15)
  })

  it.each([
    ['redis://localhost:6379', 'redis'],
    ['redis://user:secret@cache:6380/2', 'redis'],
    ['rediss://cache.example.com', 'redis'],
    ['redis://[::1]:6379/', 'redis'],
    ['valkey://cache:6379/1', 'valkey'],
    ['valkeys://cache:6379', 'valkey'],
    ['redis://cache', 'valkey'],
  ] as const)('accepts the URL %s with l2Backend %s', (url, backend) => {
    expect(new CacheFactoryConfig({ l2Url: url, l2Backend: backend }).resolved.l2Url).toBe(url)
  })

  it('accepts a pino-shaped logger whose methods live on its prototype', () => {
    class PinoLike {
      debug(): void {}
      info(): void {}
      warn(): void {}
      error(): void {}
    }
    const logger = new PinoLike()
    expect(new CacheFactoryConfig({ logger }).resolved.logger).toBe(logger)
  })
})

describe('CacheFactoryConfig validation', () => {
  it.each([
    [{ l2Backend: 'memcached' }, 'l2Backend', "'memcached'"],
    [{ l2Backend: '' }, 'l2Backend', "''"],
    [{ l2Backend: 42 }, 'l2Backend', '42'],
    [{ l2Host: '' }, 'l2Host', "''"],
    [{ l2Host: '  ' }, 'l2Host', "'  '"],
    [{ l2Host: 42 }, 'l2Host', '42'],
    [{ l2Port: 0 }, 'l2Port', 'got 0'],
    [{ l2Port: 65_536 }, 'l2Port', '65536'],
    [{ l2Port: -1 }, 'l2Port', '-1'],
    [{ l2Port: 63.5 }, 'l2Port', '63.5'],
    [{ l2Port: '6379' }, 'l2Port', "'6379'"],
    [{ l2Port: Number.NaN }, 'l2Port', 'NaN'],
    [{ l2Db: -1 }, 'l2Db', '-1'],
    [{ l2Db: 0.5 }, 'l2Db', '0.5'],
    [{ l2Password: 42 }, 'l2Password', 'number'],
    [{ l2Password: '' }, 'l2Password', 'an empty string'],
    [{ l2Username: '' }, 'l2Username', "''"],
    [{ l2Url: 42 }, 'l2Url', '42'],
    [{ l2Url: 'not a url' }, 'l2Url', "'not a url'"],
    [{ l2Url: 'http://cache:6379' }, 'l2Url', "'http://cache:6379'"],
    [{ l2Url: 'localhost:6379' }, 'l2Url', "'localhost:6379'"],
    [{ l2Url: 'redis://cache/abc' }, 'l2Url', "'redis://cache/abc'"],
    [{ l2Url: 'valkey://cache:6379' }, 'l2Url', "'valkey://cache:6379'"],
    [{ l2Tls: 'yes' }, 'l2Tls', "'yes'"],
    [{ l2Tls: ['a'] }, 'l2Tls', 'an array'],
    [{ l2Client: 'redis://cache' }, 'l2Client', "'redis://cache'"],
    [{ l2Client: null }, 'l2Client', 'null'],
    [{ l2ConnectTimeout: -1 }, 'l2ConnectTimeout', '-1'],
    [{ l2ConnectTimeout: 0 }, 'l2ConnectTimeout', 'got 0'],
    [{ l2SocketTimeout: 'abc' }, 'l2SocketTimeout', "'abc'"],
    [{ l2CommandTimeout: 0 }, 'l2CommandTimeout', 'got 0'],
    [{ l2CommandTimeout: Number.POSITIVE_INFINITY }, 'l2CommandTimeout', 'Infinity'],
    [{ l1Backend: 'memory' }, 'l1Backend', "'memory'"],
    [{ l1Backend: '' }, 'l1Backend', "''"],
    [{ serializer: 'yaml' }, 'serializer', "'yaml'"],
    [{ serializer: 42 }, 'serializer', '42'],
    [{ serializer: { name: 'broken' } }, 'serializer', 'encode'],
    [{ circuitBreakerEnabled: 'true' }, 'circuitBreakerEnabled', "'true'"],
    [{ circuitBreakerEnabled: 1 }, 'circuitBreakerEnabled', '1'],
    [{ circuitBreakerThreshold: 0 }, 'circuitBreakerThreshold', 'got 0'],
    [{ circuitBreakerThreshold: 2.5 }, 'circuitBreakerThreshold', '2.5'],
    [{ circuitBreakerTimeout: '5x' }, 'circuitBreakerTimeout', "'5x'"],
    [{ circuitBreakerTimeout: -60 }, 'circuitBreakerTimeout', '-60'],
    [{ circuitBreakerProbeInterval: -1 }, 'circuitBreakerProbeInterval', '-1'],
    [{ maxValueBytes: 0 }, 'maxValueBytes', 'got 0'],
    [{ maxValueBytes: '1mb' }, 'maxValueBytes', "'1mb'"],
    [{ repairJournalMaxEntries: 0 }, 'repairJournalMaxEntries', 'got 0'],
    [{ repairJournalMaxEntries: 1.5 }, 'repairJournalMaxEntries', '1.5'],
    [{ logger: 'pino' }, 'logger', "'pino'"],
    [{ logger: null }, 'logger', 'null'],
    [{ logger: { debug() {}, info() {} } }, 'logger', 'without warn, error'],
  ])('rejects %j, naming %s and showing the value', (options, field, shown) => {
    const error = configError(() => build(options))
    expect(error.field).toBe(field)
    expect(error.code).toBe('E_CONFIG')
    expect(error.message).toContain(shown)
  })

  it('explains the range of a port', () => {
    expect(configError(() => build({ l2Port: 99_999 })).message).toBe(
      'Invalid cache configuration: l2Port: expected an integer from 1 to 65535, got 99999',
    )
  })

  it('reports the first invalid option only', () => {
    expect(configError(() => build({ l2Port: 0, l2Db: -1 })).field).toBe('l2Port')
  })

  it('says why a valkey:// URL does not go with the ioredis backend', () => {
    expect(configError(() => build({ l2Url: 'valkey://cache' })).message).toContain("l2Backend 'valkey'")
  })

  it('masks the password of a rejected URL', () => {
    const error = configError(() => build({ l2Url: 'http://user:hunter2@cache:6379' }))
    expect(error.message).not.toContain('hunter2')
    expect(error.message).toContain("'http://user:[redacted]@cache:6379'")
  })

  it('masks a password that contains @ in a rejected URL', () => {
    const error = configError(() => build({ l2Url: 'redis://user:p@ss@cache/abc' }))
    expect(error.field).toBe('l2Url')
    expect(error.message).not.toContain('p@ss')
    expect(error.message).toContain("'redis://user:[redacted]@cache/abc'")
  })

  it('never shows a password, only its type', () => {
    expect(configError(() => build({ l2Password: 123_456 })).message).not.toContain('123456')
  })

  it('shows a long value cut short, with its length', () => {
    const error = configError(() => build({ l2Port: 'x'.repeat(500) }))
    expect(error.message).toContain(`'${'x'.repeat(80)}...' (500 characters)`)
  })

  it('rejects a class instance as the options argument', () => {
    const error = configError(() => new CacheFactoryConfig(new Map() as CacheFactoryConfigOptions))
    expect(error.field).toBe('options')
    expect(error.message).toContain('a class instance')
  })

  it.each([null, 'localhost', 42, ['l2Port']])('rejects %j as the options argument', (options) => {
    expect(configError(() => new CacheFactoryConfig(options as CacheFactoryConfigOptions)).field).toBe(
      'options',
    )
  })
})

describe('CacheFactoryConfig unknown options', () => {
  it('rejects a wrongly capitalised option and suggests the right spelling', () => {
    const error = configError(() => build({ l2port: 6380 }))
    expect(error.field).toBe('l2port')
    expect(error.code).toBe('E_CONFIG')
    expect(error.message).toBe("Invalid cache configuration: l2port: unknown option; did you mean 'l2Port'?")
  })

  it('suggests the closest option for a typo', () => {
    expect(configError(() => build({ l2Prot: 6380 })).message).toContain("did you mean 'l2Port'?")
    expect(configError(() => build({ circuitBreakerTreshold: 3 })).message).toContain(
      "did you mean 'circuitBreakerThreshold'?",
    )
  })

  it('lists the known options when nothing is close', () => {
    const error = configError(() => build({ somethingElse: true }))
    expect(error.field).toBe('somethingElse')
    expect(error.message).toContain('known options: l2Backend, l2Host')
  })

  it('rejects an unknown option even when its value is undefined', () => {
    expect(configError(() => build({ l2Hots: undefined })).field).toBe('l2Hots')
  })
})
