import { describe, expect, it } from 'vitest'
import { CacheFactoryConfig } from '../../src/index.js'
import { configError } from '../helpers/config-error.js'

const resolve = (options: ConstructorParameters<typeof CacheFactoryConfig>[0]) =>
  new CacheFactoryConfig(options).resolved

describe('l2Url merged with the separate connection options', () => {
  it('says in resolved what the URL names: host, port, database, user, password, TLS', () => {
    expect(resolve({ l2Url: 'rediss://app:s%40cret@cache:6390/3' })).toMatchObject({
      l2Host: 'cache',
      l2Port: 6390,
      l2Db: 3,
      l2Username: 'app',
      l2Password: 's@cret',
      l2Tls: true,
    })
  })

  it('uses a database, user or password given only beside the URL', () => {
    expect(resolve({ l2Url: 'redis://cache', l2Db: 3, l2Username: 'app', l2Password: 'pw' })).toMatchObject({
      l2Db: 3,
      l2Username: 'app',
      l2Password: 'pw',
      l2Port: 6379,
    })
  })

  it('takes CACHE_REDIS_PASSWORD for a URL without a password', () => {
    const config = CacheFactoryConfig.fromEnv({
      CACHE_REDIS_URL: 'redis://cache:6379/0',
      CACHE_REDIS_PASSWORD: 'from-env',
    })
    expect(config.resolved.l2Password).toBe('from-env')
  })

  it('accepts the same value given both ways', () => {
    expect(
      resolve({ l2Url: 'redis://u:p@cache/2', l2Db: 2, l2Username: 'u', l2Password: 'p' }),
    ).toMatchObject({
      l2Db: 2,
    })
  })

  it.each([
    [{ l2Url: 'redis://cache/0', l2Db: 3 }, 'l2Db', /3 contradicts database 0 in l2Url/],
    [{ l2Url: 'redis://u@cache', l2Username: 'v' }, 'l2Username', /contradicts the user name/],
    [{ l2Url: 'redis://:p@cache', l2Password: 'q' }, 'l2Password', /contradicts the password in l2Url/],
    [
      { l2Url: 'redis://cache', l2Tls: true },
      'l2Tls',
      /uses redis:\/\/, which means no TLS; use rediss:\/\//,
    ],
    [{ l2Url: 'rediss://cache', l2Tls: false }, 'l2Tls', /contradicts the rediss:\/\/ scheme/],
  ])('rejects %o naming %s', (options, field, message) => {
    const error = configError(() => resolve(options))
    expect(error.field).toBe(field)
    expect(error.message).toMatch(message)
    expect(error.message).not.toMatch(/\bq\b|:p@/)
  })

  it('names the environment variable that contradicts the URL', () => {
    const error = configError(() =>
      CacheFactoryConfig.fromEnv({ CACHE_REDIS_URL: 'redis://cache/1', CACHE_REDIS_DB: '4' }),
    )
    expect(error.field).toBe('CACHE_REDIS_DB')
    expect(error.message).toMatch(/contradicts database 1 in CACHE_REDIS_URL/)
  })

  it('keeps tls.connect options given with a rediss:// URL', () => {
    expect(resolve({ l2Url: 'rediss://cache', l2Tls: { servername: 'x' } }).l2Tls).toEqual({
      servername: 'x',
    })
  })
})

describe('l2Db beside an l2Url in cluster mode', () => {
  it('is rejected like any database but 0, naming l2Db', () => {
    const error = configError(() => resolve({ l2Mode: 'cluster', l2Url: 'redis://cache:7000', l2Db: 3 }))
    expect(error.field).toBe('l2Db')
    expect(error.message).toMatch(/a Redis Cluster has only database 0, got 3/)
  })
})
