import { inspect } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { CacheFactoryConfig, CacheService, silentLogger } from '../../src/index.js'
import { recordingLogger } from '../helpers/recording-logger.js'

const SECRET = 'hunter2-secret'
const services: CacheService[] = []
afterEach(async () => {
  await Promise.all(services.splice(0).map((service) => service.close()))
})

const configs = {
  l2Password: () => new CacheFactoryConfig({ l2Password: SECRET, logger: silentLogger }),
  'a password in l2Url': () =>
    new CacheFactoryConfig({ l2Url: `redis://app:${SECRET}@cache:6379/0`, logger: silentLogger }),
  CACHE_REDIS_PASSWORD: () =>
    CacheFactoryConfig.fromEnv({ CACHE_REDIS_PASSWORD: SECRET }, { logger: silentLogger }),
  'a TLS key and passphrase': () =>
    new CacheFactoryConfig({
      l2Url: 'rediss://cache',
      l2Tls: { key: SECRET, passphrase: SECRET, servername: 'cache' },
      logger: silentLogger,
    }),
}

describe.each(Object.entries(configs))('secrets from %s', (_source, build) => {
  it('are [redacted] in util.inspect of the config, its options and resolved', () => {
    const config = build()
    for (const shown of [inspect(config), inspect(config.resolved), inspect(config.options), `${config}`]) {
      expect(shown).not.toContain(SECRET)
    }
    expect(inspect(config, { depth: 5 })).toContain('[redacted]')
  })

  it('are [redacted] in JSON.stringify of the config and of resolved', () => {
    const config = build()
    for (const json of [
      JSON.stringify(config),
      JSON.stringify(config.resolved),
      JSON.stringify(config.options),
    ]) {
      expect(json).not.toContain(SECRET)
      expect(json).toContain('[redacted]')
    }
  })

  it('are [redacted] in util.inspect of a service, and in what a logger receives', () => {
    const config = build()
    const service = new CacheService(config)
    services.push(service)
    expect(inspect(service, { depth: 10 })).not.toContain(SECRET)
    const logger = recordingLogger()
    logger.info({ config: service.config, resolved: service.config.resolved }, 'configuration')
    // A JSON logger (pino) serialises the context.
    expect(JSON.stringify(logger.records)).not.toContain(SECRET)
  })
})

describe('what redaction keeps', () => {
  it('keeps what is not secret: host, user name, TLS server name, timeouts', () => {
    const config = new CacheFactoryConfig({
      l2Url: `rediss://app:${SECRET}@cache:6390/2`,
      l2Tls: { servername: 'cache.internal' },
      logger: silentLogger,
    })
    const json = JSON.parse(JSON.stringify(config)) as { resolved: Record<string, unknown> }
    expect(json.resolved).toMatchObject({
      l2Host: 'cache',
      l2Port: 6390,
      l2Db: 2,
      l2Username: 'app',
      l2Password: '[redacted]',
      l2Url: 'rediss://app:[redacted]@cache:6390/2',
      l2Tls: { servername: 'cache.internal' },
      l2CommandTimeoutMs: expect.any(Number),
      serializer: 'v8',
      logger: '[logger]',
    })
    // The working values are untouched.
    expect(config.resolved.l2Password).toBe(SECRET)
  })
})
