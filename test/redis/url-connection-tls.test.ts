import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CacheFactoryConfig, isCacheConfigurationError } from '../../src/index.js'
import { silentLogger } from '../../src/kernel/logger.js'
import { getFreePort } from '../helpers/free-port.js'
import { RedisServer } from '../helpers/redis-server.js'
import { useServices } from '../helpers/services.js'

const openService = useServices()
const PASSWORD = 'tls-secret'
let server: RedisServer
let tlsPort: number
let certificate: string
let directory: string

beforeAll(async () => {
  // A self-signed certificate for 127.0.0.1, which the client trusts through l2Tls.ca.
  directory = await mkdtemp(join(tmpdir(), 'resilient-cache-tls-'))
  const [cert, key] = [join(directory, 'cert.pem'), join(directory, 'key.pem')]
  await promisify(execFile)('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-keyout',
    key,
    '-out',
    cert,
  ])
  certificate = await readFile(cert, 'utf8')
  tlsPort = await getFreePort()
  server = new RedisServer({
    extraArgs: [
      '--requirepass',
      PASSWORD,
      '--tls-port',
      String(tlsPort),
      '--tls-cert-file',
      cert,
      '--tls-key-file',
      key,
      '--tls-ca-cert-file',
      cert,
      '--tls-auth-clients',
      'no',
    ],
  })
  await server.start()
})

afterAll(async () => {
  await server?.stop()
  await rm(directory, { recursive: true, force: true })
})

describe('a rediss:// URL merged with l2Tls and the password, against a TLS server', () => {
  it('connects over TLS with the tls.connect options of l2Tls and a password given beside the URL', async () => {
    const service = openService({
      l2Url: `rediss://127.0.0.1:${tlsPort}/2`,
      l2Tls: { ca: certificate },
      l2Password: PASSWORD,
    })
    expect(service.config.resolved).toMatchObject({ l2Tls: { ca: certificate }, l2Db: 2 })
    const cache = service.createCache<number>({ l2KeyPrefix: 'tls' })
    await cache.set('k', 1)
    expect(await cache.get('k')).toBe(1)
    expect(cache.getStats().l2).toMatchObject({ hits: 1, errors: 0, timeouts: 0 })
    // The same server's plain port, database 2: the entry landed where resolved says.
    const raw = new Redis(`${server.url}/2`, { password: PASSWORD })
    try {
      expect(await raw.exists('tls::k')).toBe(1)
    } finally {
      raw.disconnect()
    }
  })

  it('rejects CACHE_REDIS_TLS=false with a rediss:// URL, naming the variable', () => {
    let thrown: unknown
    try {
      CacheFactoryConfig.fromEnv(
        { CACHE_REDIS_URL: `rediss://127.0.0.1:${tlsPort}`, CACHE_REDIS_TLS: 'false' },
        { logger: silentLogger },
      )
    } catch (error) {
      thrown = error
    }
    expect(isCacheConfigurationError(thrown) && thrown.field).toBe('CACHE_REDIS_TLS')
  })
})
