import { afterEach, describe, expect, it, vi } from 'vitest'
import { getSerializer } from '../../src/backends/serializers/registry.js'
import { CACHE_ENV_KEYS, type CacheEnvSource } from '../../src/config/env-keys.js'
import { CacheFactoryConfig } from '../../src/config/factory-config.js'
import type { CacheFactoryConfigOptions, ResolvedServiceOptions } from '../../src/config/options.js'
import { silentLogger } from '../../src/kernel/logger.js'
import { configError } from '../helpers/config-error.js'

const fromEnv = (env: CacheEnvSource, overrides?: CacheFactoryConfigOptions): CacheFactoryConfig =>
  CacheFactoryConfig.fromEnv(env, overrides)

afterEach(() => {
  vi.unstubAllEnvs()
})

describe('CACHE_ENV_KEYS', () => {
  it('lists exactly the supported environment variables', () => {
    expect(Object.keys(CACHE_ENV_KEYS).sort()).toEqual(
      [
        'CACHE_L2_BACKEND',
        'CACHE_REDIS_HOST',
        'CACHE_REDIS_PORT',
        'CACHE_REDIS_DB',
        'CACHE_REDIS_PASSWORD',
        'CACHE_REDIS_USERNAME',
        'CACHE_REDIS_URL',
        'CACHE_REDIS_TLS',
        'CACHE_REDIS_MODE',
        'CACHE_REDIS_CLUSTER_NODES',
        'CACHE_REDIS_SENTINELS',
        'CACHE_REDIS_SENTINEL_NAME',
        'CACHE_REDIS_CONNECT_TIMEOUT',
        'CACHE_REDIS_SOCKET_TIMEOUT',
        'CACHE_REDIS_COMMAND_TIMEOUT',
        'CACHE_L1_BACKEND',
        'CACHE_SERIALIZER',
        'CACHE_CIRCUIT_BREAKER_ENABLED',
        'CACHE_CIRCUIT_BREAKER_THRESHOLD',
        'CACHE_CIRCUIT_BREAKER_TIMEOUT',
        'CACHE_CIRCUIT_BREAKER_PROBE_INTERVAL',
        'CACHE_INVALIDATION',
        'CACHE_MAX_VALUE_BYTES',
        'CACHE_REPAIR_JOURNAL_MAX_ENTRIES',
      ].sort(),
    )
  })

  it('maps each variable to a different option and describes it in one line', () => {
    const specs = Object.values(CACHE_ENV_KEYS)
    expect(new Set(specs.map((spec) => spec.option)).size).toBe(specs.length)
    for (const spec of specs) {
      expect(spec.description.length).toBeGreaterThan(0)
      expect(spec.description).not.toContain('\n')
    }
  })
})

describe('CacheFactoryConfig.fromEnv mapping', () => {
  it.each([
    ['CACHE_L2_BACKEND', 'valkey', 'l2Backend', 'valkey'],
    ['CACHE_REDIS_HOST', 'cache.internal', 'l2Host', 'cache.internal'],
    ['CACHE_REDIS_PORT', '6380', 'l2Port', 6380],
    ['CACHE_REDIS_DB', '2', 'l2Db', 2],
    ['CACHE_REDIS_PASSWORD', 's3cret', 'l2Password', 's3cret'],
    ['CACHE_REDIS_USERNAME', 'app', 'l2Username', 'app'],
    ['CACHE_REDIS_URL', 'rediss://cache:6390/1', 'l2Url', 'rediss://cache:6390/1'],
    ['CACHE_REDIS_TLS', 'true', 'l2Tls', true],
    ['CACHE_REDIS_MODE', 'cluster', 'l2Mode', 'cluster'],
    ['CACHE_REDIS_CONNECT_TIMEOUT', '2', 'l2ConnectTimeoutMs', 2000],
    ['CACHE_REDIS_SOCKET_TIMEOUT', '1.5s', 'l2SocketTimeoutMs', 1500],
    ['CACHE_REDIS_COMMAND_TIMEOUT', '200ms', 'l2CommandTimeoutMs', 200],
    ['CACHE_L1_BACKEND', 'lru', 'l1Backend', 'lru'],
    ['CACHE_CIRCUIT_BREAKER_ENABLED', 'false', 'circuitBreakerEnabled', false],
    ['CACHE_CIRCUIT_BREAKER_THRESHOLD', '3', 'circuitBreakerThreshold', 3],
    ['CACHE_CIRCUIT_BREAKER_TIMEOUT', '30s', 'circuitBreakerTimeoutMs', 30_000],
    ['CACHE_MAX_VALUE_BYTES', '1048576', 'maxValueBytes', 1_048_576],
    ['CACHE_REPAIR_JOURNAL_MAX_ENTRIES', '500', 'repairJournalMaxEntries', 500],
  ] as const)('reads %s=%j into %s', (envKey, value, resolvedName, expected) => {
    const config = fromEnv({ [envKey]: value })
    expect(config.resolved[resolvedName as keyof ResolvedServiceOptions]).toBe(expected)
    expect(CACHE_ENV_KEYS[envKey].option).toBe(resolvedName.replace(/Ms$/, ''))
  })

  it('reads CACHE_SERIALIZER=json into the registered json serializer', () => {
    const config = fromEnv({ CACHE_SERIALIZER: 'json' })
    expect(config.options.serializer).toBe('json')
    expect(config.resolved.serializer).toBe(getSerializer('json'))
  })

  it('gives the seed defaults when no variable is set', () => {
    const { resolved } = fromEnv({})
    expect(resolved).toMatchObject({
      l2Backend: 'redis',
      l2Host: 'localhost',
      l2Port: 6379,
      l2Db: 0,
      l2ConnectTimeoutMs: 5000,
      l2SocketTimeoutMs: 5000,
      l2CommandTimeoutMs: 500,
      l1Backend: 'ttl',
      circuitBreakerEnabled: true,
      circuitBreakerThreshold: 5,
      circuitBreakerTimeoutMs: 60_000,
    })
    expect(resolved.serializer).toBe(getSerializer('v8'))
  })

  it('keeps durations in options in the form the environment gave them', () => {
    expect(fromEnv({ CACHE_REDIS_CONNECT_TIMEOUT: '2s' }).options.l2ConnectTimeout).toBe('2s')
  })

  it('reads process.env when called without an env, at call time', () => {
    vi.stubEnv('CACHE_REDIS_PORT', '6390')
    expect(CacheFactoryConfig.fromEnv().resolved.l2Port).toBe(6390)
  })

  it.each([
    ['undefined', undefined],
    ['an empty string', ''],
    ['a blank string', '   '],
  ])('treats %s as not set', (_name, value) => {
    const config = fromEnv({ CACHE_REDIS_PORT: value, CACHE_REDIS_HOST: value, CACHE_REDIS_TLS: value })
    expect(config.resolved.l2Port).toBe(6379)
    expect(config.resolved.l2Host).toBe('localhost')
    expect(config.resolved.l2Tls).toBe(false)
  })

  it('ignores variables it does not know', () => {
    expect(() => fromEnv({ PATH: '/usr/bin', CACHE_DIR: '/tmp', CACHE_REDIS_PROT: '1' })).not.toThrow()
  })

  it('trims stray spaces around strings and whole numbers', () => {
    const { resolved } = fromEnv({ CACHE_REDIS_HOST: ' cache ', CACHE_REDIS_PORT: ' 6380 ' })
    expect(resolved.l2Host).toBe('cache')
    expect(resolved.l2Port).toBe(6380)
  })

  it('keeps a password exactly as given', () => {
    expect(fromEnv({ CACHE_REDIS_PASSWORD: ' pass ' }).resolved.l2Password).toBe(' pass ')
  })

  it('accepts a valkey:// URL with the valkey backend', () => {
    const { resolved } = fromEnv({ CACHE_L2_BACKEND: 'valkey', CACHE_REDIS_URL: 'valkeys://cache:6379' })
    expect(resolved.l2Url).toBe('valkeys://cache:6379')
  })
})

describe('CacheFactoryConfig.fromEnv booleans', () => {
  it.each(['true', 'TRUE', 'True', '1', 'yes', 'YES', 'on', 'On', ' true '])('reads %j as true', (value) => {
    expect(fromEnv({ CACHE_REDIS_TLS: value }).resolved.l2Tls).toBe(true)
  })

  it.each(['false', 'FALSE', '0', 'no', 'No', 'off', 'OFF'])('reads %j as false', (value) => {
    expect(fromEnv({ CACHE_CIRCUIT_BREAKER_ENABLED: value }).resolved.circuitBreakerEnabled).toBe(false)
  })
})

describe('CacheFactoryConfig.fromEnv typed values (Express settings)', () => {
  it('accepts numbers and booleans that are already typed', () => {
    const { resolved } = fromEnv({
      CACHE_REDIS_PORT: 6380,
      CACHE_REDIS_TLS: true,
      CACHE_CIRCUIT_BREAKER_ENABLED: 0,
      CACHE_REDIS_CONNECT_TIMEOUT: 2,
      CACHE_REDIS_PASSWORD: 1234,
    })
    expect(resolved.l2Port).toBe(6380)
    expect(resolved.l2Tls).toBe(true)
    expect(resolved.circuitBreakerEnabled).toBe(false)
    expect(resolved.l2ConnectTimeoutMs).toBe(2000)
    expect(resolved.l2Password).toBe('1234')
  })

  it('names the variable for a typed value out of range', () => {
    const error = configError(() => fromEnv({ CACHE_REDIS_PORT: 99_999 }))
    expect(error.field).toBe('CACHE_REDIS_PORT')
    expect(error.message).toContain('99999')
  })

  it('names the variable for a typed value of the wrong type', () => {
    const error = configError(() => fromEnv({ CACHE_REDIS_HOST: true }))
    expect(error.field).toBe('CACHE_REDIS_HOST')
    expect(error.message).toContain('got true')
  })
})

describe('CacheFactoryConfig.fromEnv errors name the variable', () => {
  it.each([
    ['CACHE_L2_BACKEND', 'memcached', "'memcached'"],
    ['CACHE_REDIS_HOST', true, 'true'],
    ['CACHE_REDIS_PORT', 'abc', "'abc'"],
    ['CACHE_REDIS_PORT', '63.5', "'63.5'"],
    ['CACHE_REDIS_PORT', '6379abc', "'6379abc'"],
    ['CACHE_REDIS_PORT', '0x10', "'0x10'"],
    ['CACHE_REDIS_PORT', '1e3', "'1e3'"],
    ['CACHE_REDIS_PORT', '99999', '99999'],
    ['CACHE_REDIS_PORT', '0', 'got 0'],
    ['CACHE_REDIS_DB', '-1', '-1'],
    ['CACHE_REDIS_DB', 'one', "'one'"],
    ['CACHE_REDIS_PASSWORD', true, 'boolean'],
    ['CACHE_REDIS_USERNAME', false, 'false'],
    ['CACHE_REDIS_URL', 'http://cache:6379', "'http://cache:6379'"],
    ['CACHE_REDIS_URL', 'valkey://cache:6379', "'valkey://cache:6379'"],
    ['CACHE_REDIS_TLS', 'maybe', "'maybe'"],
    ['CACHE_REDIS_TLS', 2, '2'],
    ['CACHE_REDIS_MODE', 'sharded', "'sharded'"],
    ['CACHE_REDIS_CLUSTER_NODES', 'cache:7000', "'cluster'"],
    ['CACHE_REDIS_SENTINELS', 'sentinel:26379', "'sentinel'"],
    ['CACHE_REDIS_SENTINEL_NAME', 'mymaster', "'sentinel'"],
    ['CACHE_REDIS_CONNECT_TIMEOUT', 'abc', "'abc'"],
    ['CACHE_REDIS_SOCKET_TIMEOUT', '-1', "'-1'"],
    ['CACHE_REDIS_COMMAND_TIMEOUT', '0', "'0'"],
    ['CACHE_L1_BACKEND', 'memory', "'memory'"],
    ['CACHE_SERIALIZER', 'yaml', "'yaml'"],
    ['CACHE_CIRCUIT_BREAKER_ENABLED', 'enabled', "'enabled'"],
    ['CACHE_CIRCUIT_BREAKER_THRESHOLD', '0', 'got 0'],
    ['CACHE_CIRCUIT_BREAKER_THRESHOLD', '2.5', "'2.5'"],
    ['CACHE_CIRCUIT_BREAKER_TIMEOUT', '5x', "'5x'"],
    ['CACHE_MAX_VALUE_BYTES', '0', 'got 0'],
    ['CACHE_MAX_VALUE_BYTES', '1mb', "'1mb'"],
    ['CACHE_REPAIR_JOURNAL_MAX_ENTRIES', '0', 'got 0'],
  ])('%s=%j', (envKey, value, shown) => {
    const error = configError(() => fromEnv({ [envKey]: value }))
    expect(error.field).toBe(envKey)
    expect(error.code).toBe('E_CONFIG')
    expect(error.message).toContain(shown)
  })

  it('explains which words make a boolean', () => {
    expect(configError(() => fromEnv({ CACHE_REDIS_TLS: 'maybe' })).message).toBe(
      "Invalid cache configuration: CACHE_REDIS_TLS: expected true/false, 1/0, yes/no or on/off, got 'maybe'",
    )
  })

  it('masks the password of a rejected URL', () => {
    const error = configError(() => fromEnv({ CACHE_REDIS_URL: 'redis://user:hunter2@cache/abc' }))
    expect(error.field).toBe('CACHE_REDIS_URL')
    expect(error.message).not.toContain('hunter2')
  })

  it('names the variable when a backend given in the environment rejects an override-free URL', () => {
    const error = configError(() =>
      fromEnv({ CACHE_L2_BACKEND: 'redis', CACHE_REDIS_URL: 'valkeys://cache' }),
    )
    expect(error.field).toBe('CACHE_REDIS_URL')
  })
})

describe('CacheFactoryConfig.fromEnv overrides', () => {
  it('lets overrides win over the environment', () => {
    const config = fromEnv({ CACHE_REDIS_PORT: '6380', CACHE_REDIS_HOST: 'env-host' }, { l2Port: 7000 })
    expect(config.resolved.l2Port).toBe(7000)
    expect(config.resolved.l2Host).toBe('env-host')
  })

  it('passes options that have no variable, such as the logger', () => {
    expect(fromEnv({}, { logger: silentLogger }).resolved.logger).toBe(silentLogger)
  })

  it('keeps the environment value when an override is undefined', () => {
    expect(fromEnv({ CACHE_REDIS_PORT: '6380' }, { l2Port: undefined }).resolved.l2Port).toBe(6380)
  })

  it('names the option, not the variable, for an invalid override', () => {
    const error = configError(() => fromEnv({ CACHE_REDIS_PORT: '6380' }, { l2Port: 0 }))
    expect(error.field).toBe('l2Port')
  })

  it('still names the variable for an invalid environment value next to valid overrides', () => {
    const error = configError(() => fromEnv({ CACHE_REDIS_DB: '-2' }, { l2Port: 7000 }))
    expect(error.field).toBe('CACHE_REDIS_DB')
  })

  it('rejects an unknown override with a suggestion', () => {
    const error = configError(() => fromEnv({}, { l2host: 'x' } as CacheFactoryConfigOptions))
    expect(error.field).toBe('l2host')
    expect(error.message).toContain("did you mean 'l2Host'?")
  })

  it('does not let labels from one call leak into a later one', () => {
    fromEnv({ CACHE_REDIS_PORT: '6380' })
    expect(configError(() => new CacheFactoryConfig({ l2Port: 0 })).field).toBe('l2Port')
  })
})

describe('CacheFactoryConfig.fromEnv arguments', () => {
  it.each([null, 'CACHE_REDIS_PORT=6379', 42])('rejects %j as the environment', (env) => {
    expect(configError(() => CacheFactoryConfig.fromEnv(env as unknown as CacheEnvSource)).field).toBe('env')
  })

  it('rejects overrides that are not an object', () => {
    expect(configError(() => fromEnv({}, 'l2Port' as CacheFactoryConfigOptions)).field).toBe('overrides')
  })
})
