import { describe, expect, it } from 'vitest'
import { getSerializer } from '../../src/backends/serializers/registry.js'
import { resolveCacheOptions } from '../../src/config/cache-options.js'
import { CacheFactoryConfig } from '../../src/config/factory-config.js'
import type {
  CacheFactoryConfigOptions,
  CacheOptions,
  ResolvedServiceOptions,
} from '../../src/config/options.js'
import { silentLogger } from '../../src/kernel/logger.js'
import { configError } from '../helpers/config-error.js'

function serviceOptions(options: CacheFactoryConfigOptions = {}): ResolvedServiceOptions {
  return new CacheFactoryConfig({ logger: silentLogger, ...options }).resolved
}

const service = serviceOptions()

/** Resolves options the type system would refuse, as JavaScript callers can pass them. */
function resolve(options: Record<string, unknown>, unnamedIndex = 1) {
  return resolveCacheOptions(options as CacheOptions, service, unnamedIndex)
}

describe('resolveCacheOptions defaults', () => {
  const resolved = resolveCacheOptions({ l2KeyPrefix: 'users' }, service, 1)

  it.each([
    ['l2KeyPrefix', 'users'],
    ['name', 'users'],
    ['l2TtlMs', 3_600_000],
    ['l2Enabled', true],
    ['l1Enabled', false],
    ['l1MaxSize', 1000],
    ['l1MaxBytes', undefined],
    ['l1TtlMs', 60_000],
    ['l1Backend', 'ttl'],
    ['l1Clone', false],
    ['circuitBreakerEnabled', true],
    ['circuitBreakerThreshold', 5],
    ['circuitBreakerTimeoutMs', 60_000],
    ['hasOwnBreaker', false],
  ] as const)('resolves %s to %j', (name, value) => {
    expect(resolved[name]).toBe(value)
  })

  it("uses the service's serializer", () => {
    expect(resolved.serializer).toBe(service.serializer)
    expect(resolved.serializer).toBe(getSerializer('v8'))
  })

  it("takes the L1 backend, serializer and breaker settings from the service's configuration", () => {
    const custom = serviceOptions({
      l1Backend: 'lru',
      serializer: 'json',
      circuitBreakerEnabled: false,
      circuitBreakerThreshold: 2,
      circuitBreakerTimeout: '10s',
    })
    expect(resolveCacheOptions({ l2KeyPrefix: 'users' }, custom, 1)).toMatchObject({
      l1Backend: 'lru',
      serializer: getSerializer('json'),
      circuitBreakerEnabled: false,
      circuitBreakerThreshold: 2,
      circuitBreakerTimeoutMs: 10_000,
      hasOwnBreaker: false,
    })
  })

  it('treats options set to undefined as not given', () => {
    const resolved = resolveCacheOptions(
      { l2KeyPrefix: 'users', l2Ttl: undefined, l1Enabled: undefined },
      service,
      1,
    )
    expect(resolved.l2TtlMs).toBe(3_600_000)
    expect(resolved.l1Enabled).toBe(false)
  })
})

describe('resolveCacheOptions with options', () => {
  it('resolves every given value, durations in ms', () => {
    expect(
      resolveCacheOptions(
        {
          l2KeyPrefix: 'sessions',
          l2Ttl: '10m',
          l1Enabled: true,
          l1MaxSize: 50,
          l1Ttl: 0.5,
          l1Backend: 'lru',
          l1Clone: true,
          serializer: 'json',
        },
        service,
        1,
      ),
    ).toMatchObject({
      l2KeyPrefix: 'sessions',
      l2TtlMs: 600_000,
      l1Enabled: true,
      l1MaxSize: 50,
      l1TtlMs: 500,
      l1Backend: 'lru',
      l1Clone: true,
      serializer: getSerializer('json'),
    })
  })

  it.each([
    [{ circuitBreakerEnabled: false }, { circuitBreakerEnabled: false, circuitBreakerThreshold: 5 }],
    [{ circuitBreakerThreshold: 2 }, { circuitBreakerThreshold: 2, circuitBreakerTimeoutMs: 60_000 }],
    [{ circuitBreakerTimeout: '5s' }, { circuitBreakerTimeoutMs: 5000, circuitBreakerEnabled: true }],
  ])('gives a cache with %j a breaker of its own, other settings from the service', (breaker, expected) => {
    const resolved = resolveCacheOptions({ l2KeyPrefix: 'users', ...breaker }, service, 1)
    expect(resolved.hasOwnBreaker).toBe(true)
    expect(resolved).toMatchObject(expected)
  })

  it('gives a cache its own breaker even when the override equals the service setting', () => {
    expect(
      resolveCacheOptions({ l2KeyPrefix: 'users', circuitBreakerThreshold: 5 }, service, 1).hasOwnBreaker,
    ).toBe(true)
  })
})

describe('resolveCacheOptions key prefix', () => {
  it.each(['a', 'a:b', 'users:v2', 'a*[b]?', 'a\\b', 'ключ', ':leading', 'x'.repeat(256)])(
    'accepts %j',
    (prefix) => {
      expect(resolve({ l2KeyPrefix: prefix }).l2KeyPrefix).toBe(prefix)
    },
  )

  it('rejects a prefix containing the separator and says why', () => {
    const error = configError(() => resolve({ l2KeyPrefix: 'a::b' }))
    expect(error.field).toBe('l2KeyPrefix')
    expect(error.code).toBe('E_CONFIG')
    expect(error.message).toContain("the separator '::' joins prefix and key in Redis")
    expect(error.message).toContain("'a::b'")
  })

  it('rejects a prefix with a lone UTF-16 surrogate, which Redis would store as U+FFFD', () => {
    const error = configError(() => resolve({ l2KeyPrefix: 'users\uD800' }))
    expect(error.field).toBe('l2KeyPrefix')
    expect(error.message).toContain('must be well-formed Unicode (no lone UTF-16 surrogate)')
  })

  it('rejects a prefix ending with a colon and says why', () => {
    const error = configError(() => resolve({ l2KeyPrefix: 'a:' }))
    expect(error.field).toBe('l2KeyPrefix')
    expect(error.message).toContain("must not end with ':'")
    expect(error.message).toContain("the separator '::' joins prefix and key in Redis")
    expect(error.message).toContain("'a:'")
  })

  it.each([
    ['', "''"],
    ['  ', "'  '"],
    [42, '42'],
    [null, 'null'],
    ['a:::b', "'a:::b'"],
  ])('rejects %j', (prefix, shown) => {
    const error = configError(() => resolve({ l2KeyPrefix: prefix }))
    expect(error.field).toBe('l2KeyPrefix')
    expect(error.message).toContain(shown)
  })

  it('rejects a prefix longer than 256 UTF-8 bytes, counting bytes rather than characters', () => {
    expect(configError(() => resolve({ l2KeyPrefix: 'x'.repeat(257) })).message).toContain('257 bytes')
    const error = configError(() => resolve({ l2KeyPrefix: 'é'.repeat(129) }))
    expect(error.field).toBe('l2KeyPrefix')
    expect(error.message).toContain('258 bytes')
    expect(error.message).toContain('éé')
  })

  it('requires a prefix while L2 is enabled', () => {
    const error = configError(() => resolve({}))
    expect(error.field).toBe('l2KeyPrefix')
    expect(error.code).toBe('E_CONFIG')
    expect(error.message).toContain('got undefined')
  })

  it('names an L1-only cache without a prefix after the index the service gives', () => {
    const resolved = resolve({ l2Enabled: false, l1Enabled: true }, 3)
    expect(resolved.l2KeyPrefix).toBeUndefined()
    expect(resolved.name).toBe('l1-3')
  })

  it('names an L1-only cache with a prefix after its prefix, still checking the rules', () => {
    expect(resolve({ l2Enabled: false, l1Enabled: true, l2KeyPrefix: 'local' }, 3).name).toBe('local')
    expect(configError(() => resolve({ l2Enabled: false, l1Enabled: true, l2KeyPrefix: 'a::b' })).field).toBe(
      'l2KeyPrefix',
    )
  })
})

describe('resolveCacheOptions validation', () => {
  it('requires at least one level', () => {
    const error = configError(() => resolve({ l2KeyPrefix: 'users', l1Enabled: false, l2Enabled: false }))
    expect(error.field).toBe('l1Enabled')
    expect(error.code).toBe('E_CONFIG')
    expect(error.message).toContain('a cache needs at least one level')
    expect(error.message).toContain('l1Enabled false and l2Enabled false')
  })

  it('counts a missing l1Enabled as false when checking for a level', () => {
    expect(configError(() => resolve({ l2Enabled: false })).field).toBe('l1Enabled')
  })

  it.each([
    [{ l2Ttl: 0 }, 'l2Ttl', 'got 0'],
    [{ l2Ttl: -1 }, 'l2Ttl', '-1'],
    [{ l2Ttl: 'abc' }, 'l2Ttl', "'abc'"],
    [{ l2Enabled: 'false' }, 'l2Enabled', "'false'"],
    [{ l1Enabled: 1 }, 'l1Enabled', '1'],
    [{ l1MaxSize: 0 }, 'l1MaxSize', 'got 0'],
    [{ l1MaxSize: 1.5 }, 'l1MaxSize', '1.5'],
    [{ l1MaxSize: '1000' }, 'l1MaxSize', "'1000'"],
    [{ l1MaxBytes: 0 }, 'l1MaxBytes', 'got 0'],
    [{ l1MaxBytes: '64MB' }, 'l1MaxBytes', "'64MB'"],
    [{ l1Ttl: 0 }, 'l1Ttl', 'got 0'],
    [{ l1Ttl: '1y' }, 'l1Ttl', "'1y'"],
    [{ l1Backend: 'memory' }, 'l1Backend', "'memory'"],
    [{ l1Backend: '' }, 'l1Backend', "''"],
    [{ l1Clone: 'yes' }, 'l1Clone', "'yes'"],
    [{ serializer: 'yaml' }, 'serializer', "'yaml'"],
    [{ serializer: 42 }, 'serializer', '42'],
    [{ circuitBreakerEnabled: 'no' }, 'circuitBreakerEnabled', "'no'"],
    [{ circuitBreakerThreshold: 0 }, 'circuitBreakerThreshold', 'got 0'],
    [{ circuitBreakerTimeout: -1 }, 'circuitBreakerTimeout', '-1'],
  ])('rejects %j, naming %s and showing the value', (options, field, shown) => {
    const error = configError(() => resolve({ l2KeyPrefix: 'users', ...options }))
    expect(error.field).toBe(field)
    expect(error.code).toBe('E_CONFIG')
    expect(error.message).toContain(shown)
  })

  it.each([
    ['keyPrefix', 'l2KeyPrefix'],
    ['l2keyprefix', 'l2KeyPrefix'],
    ['l1maxsize', 'l1MaxSize'],
    ['l2TTL', 'l2Ttl'],
    ['l1Enable', 'l1Enabled'],
  ])('rejects the unknown option %s and suggests %s', (unknown, suggestion) => {
    const error = configError(() => resolve({ l2KeyPrefix: 'users', [unknown]: 1 }))
    expect(error.field).toBe(unknown)
    expect(error.code).toBe('E_CONFIG')
    expect(error.message).toContain(`unknown option; did you mean '${suggestion}'?`)
  })

  it.each([null, 'users', ['users']])('rejects %j as the options argument', (options) => {
    expect(configError(() => resolveCacheOptions(options as CacheOptions, service, 1)).field).toBe('options')
  })
})
